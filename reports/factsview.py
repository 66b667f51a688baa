"""Reading facts.json: each accessor answers None when a fact was not gathered."""

from __future__ import annotations

from typing import Any

from reports.measures import MIB

Facts = dict[str, Any]


def section(facts: Facts, name: str) -> dict[str, Any] | None:
    """A gathered section of facts.json, or None when it was skipped or missing."""
    found = facts.get(name)
    return found if isinstance(found, dict) and "not_measured" not in found else None


def not_measured(facts: Facts, name: str) -> str:
    """Why a section of facts.json holds no figures."""
    found = facts.get(name)
    if isinstance(found, dict) and "not_measured" in found:
        return str(found["not_measured"])
    return "not gathered for this run"


def code(facts: Facts, impl: str) -> dict[str, Any] | None:
    """The code metrics of an implementation."""
    found = section(facts, "code")
    return found["implementations"].get(impl) if found else None


def dependencies(facts: Facts, impl: str) -> dict[str, Any] | None:
    """Packages and installed size of an implementation's extra, if measured without error."""
    found = section(facts, "dependencies")
    entry = found["implementations"].get(impl) if found else None
    return entry if entry and "error" not in entry else None


def installed_mib(facts: Facts, impl: str) -> float | None:
    """Installed size of an implementation's extra, MiB."""
    entry = dependencies(facts, impl)
    return entry["bytes"] / MIB if entry else None


def contract_totals(facts: Facts, impl: str) -> dict[str, int] | None:
    """Passed, failed and skipped contract tests of an implementation over every column."""
    found = section(facts, "contract")
    if not found or impl not in found["matrix"]:
        return None
    cells = found["matrix"][impl].values()
    totals = {k: sum(c[k] for c in cells) for k in ("passed", "failed", "skipped")}
    return totals if totals["passed"] + totals["failed"] else None


def conformance(facts: Facts, impl: str) -> list[dict[str, Any]] | None:
    """The adjustments an implementation made to meet the contract."""
    found = section(facts, "conformance")
    return found["implementations"].get(impl) if found else None


def docs(facts: Facts, impl: str) -> dict[str, Any] | None:
    """The docs and validation facts of an implementation, if its server could be probed."""
    found = section(facts, "docs")
    entry = found["implementations"].get(impl) if found else None
    return entry if entry and "error" not in entry else None


def extra_packages(facts: Facts, impl: str) -> set[str]:
    """Lower-cased names of the packages an implementation's extra installs."""
    entry = dependencies(facts, impl)
    return {p["name"].lower() for p in entry["packages"]} if entry else set()


def contract_modules(facts: Facts, impl: str) -> dict[str, dict[str, Any]] | None:
    """An implementation's contract counts per test module; None when facts hold no such counts."""
    found = section(facts, "contract")
    if not found or "modules" not in found:
        return None
    return found["modules"].get(impl, {})


def fuzz_pass(facts: Facts, impl: str, spec: str) -> dict[str, Any] | None:
    """One schemathesis pass of an implementation against a document ('own' or 'contract')."""
    found = section(facts, "fuzz")
    entry = found["implementations"].get(impl) if found else None
    return entry["passes"].get(spec) if entry else None

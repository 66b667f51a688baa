"""Gather every fact the report needs besides results.json, into facts.json beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.facts import code, conformance, contract, dependencies, docs, fuzz
from reports.facts.model import Missing
from taskbench import registry
from taskbench.provenance import git_state

# Sections and keys are only ever added, so a facts.json of any version still renders
# (reports/facts/model.py reads them all; version 2 writes every gap as {"missing": reason}).
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Options:
    """Which facts to gather, and where the inputs are."""

    root: Path
    contract_xml: Path | None
    fuzz_summary: Path | None = None
    dependencies: bool = True
    docs: bool = True


def skipped(reason: str) -> dict[str, str]:
    """A section that was not gathered, and why; the report prints the reason."""
    return Missing(reason).as_json()


def fuzz_facts(summary: Path | None) -> dict[str, Any]:
    """The fuzz section: what `taskbench fuzz` recorded, or why there is nothing."""
    found = fuzz.gather(summary) if summary else None
    return found or skipped(f"no fuzz summary at {summary}: run `taskbench fuzz` first")


def gather(impls: list[str], options: Options) -> dict[str, Any]:
    """Every section of facts.json for these implementations."""
    xml = options.contract_xml
    extras = {impl: registry.get(impl).extra for impl in impls}
    return {
        "schema_version": SCHEMA_VERSION,
        "git": git_state(),
        "code": code.gather(impls),
        "conformance": conformance.gather(options.root, impls),
        "contract": (contract.gather(xml, list(registry.IMPLEMENTATIONS)) if xml else None)
        or skipped(f"no JUnit XML at {xml}: run `pytest contract_tests --junitxml {xml}` first"),
        "dependencies": dependencies.gather(options.root, extras)
        if options.dependencies
        else skipped("skipped with --no-dependencies"),
        "docs": docs.gather(impls) if options.docs else skipped("skipped with --no-docs"),
        "fuzz": fuzz_facts(options.fuzz_summary),
    }


def write(facts: dict[str, Any], path: Path) -> Path:
    """Write facts.json, stable and readable."""
    path.write_text(json.dumps(facts, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path

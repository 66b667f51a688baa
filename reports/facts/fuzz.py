"""What schemathesis found, per implementation and document, read from `taskbench fuzz`'s summary.

`taskbench fuzz` writes var/fuzz/<run id>/summary.json (taskbench/fuzz.py); var/fuzz/latest
points at the newest run. The facts keep where the figures came from (seed, database, budget,
commit, start time, schemathesis version) beside each pass's counts and findings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PASS_KEYS = (
    "passed", "exit_code", "seconds", "stop_reason", "test_cases", "phases",
    "findings_total", "server_errors", "errors",
)  # fmt: skip
FINDING_KEYS = ("type", "code", "title", "count", "operations")


def _pass(outcome: dict[str, Any]) -> dict[str, Any]:
    found = {key: outcome.get(key) for key in PASS_KEYS}
    findings = [{k: f.get(k) for k in FINDING_KEYS} for f in outcome.get("findings") or []]
    if found["findings_total"] is None:  # a summary written before totals were recorded
        found["findings_total"] = sum(f["count"] or 0 for f in findings)
    return {**found, "findings": findings}


def parse(path: Path) -> dict[str, Any]:
    """The fuzz facts of one summary.json: provenance, then each implementation's passes."""
    summary = json.loads(path.read_text(encoding="utf-8"))
    implementations: dict[str, dict[str, Any]] = {}
    versions = set()
    for outcome in summary.get("passes", []):
        entry = implementations.setdefault(outcome["impl"], {"variant": outcome.get("variant")})
        entry.setdefault("passes", {})[outcome["spec"]] = _pass(outcome)
        if outcome.get("schemathesis_version"):
            versions.add(outcome["schemathesis_version"])
    git = summary.get("git") or {}
    return {
        "source": str(path),
        "run": path.resolve().parent.name,
        "seed": summary.get("seed"),
        "database": summary.get("database"),
        "started_at": summary.get("started_at"),
        "git": {"commit": git.get("commit"), "dirty": git.get("dirty")},
        "budget": summary.get("budget"),
        "schemathesis_version": summary.get("schemathesis_version")
        or (", ".join(sorted(versions)) or None),
        "implementations": implementations,
    }


def gather(path: Path) -> dict[str, Any] | None:
    """The fuzz facts, or None when there is no summary at `path`."""
    return parse(path) if path.is_file() else None

"""results.json: one record per measured window, summaries across repeats, and the run's facts.

The layout is the JSON Schema in results.schema.json beside this file (README.md explains it);
every results file is validated against it before the run ends.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from benchmarks.audit import Audit
from benchmarks.loadgen import WindowRun
from benchmarks.plan import FIXED, LoadPoint

SCHEMA_PATH = Path(__file__).with_name("results.schema.json")
SCHEMA_VERSION = 1
# Below this share of the offered rate, a fixed-load window did not get the load it was meant to.
ACHIEVED_MIN = 0.95
# wrk beating Locust by more than this at the same load point suggests the client held Locust back.
WRK_FASTER = 1.25
LATENCIES = ("p50", "p90", "p99", "p99_9", "max")
ROW_KEYS = ("impl", "variant", "scenario", "load_model", "users", "offered_rps")


@dataclass(frozen=True)
class Where:
    """Which server, scenario and load a window belongs to."""

    impl: str
    variant: str
    session: str
    scenario: str
    point: LoadPoint
    shared_cores: bool = False


def spread(values: Iterable[float]) -> dict[str, float]:
    """Median, minimum and maximum of the repeats."""
    data = list(values)
    if not data:
        return {"median": 0.0, "min": 0.0, "max": 0.0}
    return {
        "median": round(statistics.median(data), 3),
        "min": round(min(data), 3),
        "max": round(max(data), 3),
    }


def _flags(
    where: Where, run: WindowRun, rps: float, failures: int, audit: Audit | None
) -> list[str]:
    flags = []
    if run.error:
        flags.append("error")
    if run.usage is None:
        flags.append("unsampled")
    elif run.usage.client_bound:
        flags.append("client_bound")
    if failures:
        flags.append("failures")
    offered = where.point.offered_rps
    if where.point.model == FIXED and offered and rps < ACHIEVED_MIN * offered:
        flags.append("below_offered")
    if audit is not None and not audit.passed:
        flags.append("audit_failed")
    if where.shared_cores:
        flags.append("shared_cores")
    return flags


def record(where: Where, repeat: int, run: WindowRun, audit: Audit | None, out: Path) -> dict:
    """The record of one measured window."""
    summary = run.summary or {}
    seconds = summary.get("window", {}).get("seconds", 0.0)
    requests = summary.get("requests", 0)
    rps = requests / seconds if seconds else 0.0
    failures = summary.get("failures", {"total": 0, "status": 0, "body": 0, "connection": 0})
    usage = run.usage
    server_cpu = usage.server_cpu_seconds if usage else None
    return {
        "impl": where.impl,
        "variant": where.variant,
        "session": where.session,
        "scenario": where.scenario,
        "load_model": where.point.model,
        "users": where.point.users,
        "offered_rps": where.point.offered_rps,
        "repeat": repeat,
        "window_seconds": round(seconds, 3),
        "requests": requests,
        "requests_per_second": round(rps, 1),
        "achieved_ratio": (
            round(rps / where.point.offered_rps, 3) if where.point.offered_rps else None
        ),
        "latency_ms": summary.get("latency_ms", dict.fromkeys((*LATENCIES, "mean"), 0.0)),
        "failures": failures,
        "failure_examples": summary.get("failure_examples", []),
        "routes": summary.get("routes", []),
        "client": {
            "cpu_percent": usage.client_cpu_percent if usage else None,
            "cpu_percent_max": usage.client_cpu_percent_max if usage else None,
            "cores_busy_percent": usage.client_cores_busy_percent if usage else None,
            "client_bound": bool(usage and usage.client_bound),
        },
        "server": {
            "cpu_seconds": server_cpu,
            "cpu_percent": usage.server_cpu_percent if usage else None,
            "cores_busy_percent": usage.server_cores_busy_percent if usage else None,
            "cpu_seconds_per_1000_requests": (
                round(server_cpu / requests * 1000, 4) if usage and requests else None
            ),
            "peak_rss_bytes": usage.server_peak_rss if usage else None,
        },
        "audit": audit.as_dict() if audit else None,
        "flags": _flags(where, run, rps, failures.get("total", 0), audit),
        "error": run.error,
        "locust": {
            "argv": run.argv,
            "exit_code": run.exit_code,
            "wall_seconds": run.wall_seconds,
            "csv_prefix": str(run.csv_prefix.relative_to(out)),
        },
    }


def _check_flags(check: dict | None) -> set[str]:
    """`wrk_faster` when wrk got much more out of the server than Locust at the same point."""
    ratio = (check or {}).get("wrk_to_locust")
    return {"wrk_faster"} if ratio and ratio > WRK_FASTER else set()


def _row_key(row: dict) -> tuple:
    return tuple(row[k] for k in ROW_KEYS)


def summarize(records: list[dict], cross_checks: list[dict]) -> list[dict]:
    """One summary per implementation x variant x scenario x load point, across its repeats."""
    rows: dict[tuple, list[dict]] = {}
    for rec in records:
        rows.setdefault(_row_key(rec), []).append(rec)
    checks = {_row_key(c): c for c in cross_checks}
    summaries = []
    for key, recs in rows.items():
        good = [r for r in recs if not r["error"]] or recs
        check = checks.get(key)
        per_1000 = [r["server"]["cpu_seconds_per_1000_requests"] for r in good]
        client = [r["client"]["cpu_percent"] for r in good]
        summaries.append(
            {
                **dict(zip(ROW_KEYS, key, strict=True)),
                "repeats": len(recs),
                "requests_per_second": spread(r["requests_per_second"] for r in good),
                "latency_ms": {
                    name: spread(r["latency_ms"][name] for r in good) for name in LATENCIES
                },
                "failures": sum(r["failures"]["total"] for r in recs),
                "client_cpu_percent": spread(c for c in client if c is not None),
                "server_cpu_seconds_per_1000_requests": spread(x for x in per_1000 if x),
                "server_peak_rss_bytes": max(r["server"]["peak_rss_bytes"] or 0 for r in recs),
                "flags": sorted({flag for r in recs for flag in r["flags"]} | _check_flags(check)),
                "wrk_requests_per_second": check.get("requests_per_second") if check else None,
            }
        )
    return summaries


@dataclass
class Results:
    """Everything a run found out, written as results.json."""

    out: Path
    document: dict[str, Any] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    implementations: list[dict] = field(default_factory=list)
    cross_checks: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """Where results.json goes."""
        return self.out / "results.json"

    def as_dict(self) -> dict[str, Any]:
        """The whole results document."""
        return {
            "schema_version": SCHEMA_VERSION,
            **self.document,
            "implementations": self.implementations,
            "sessions": self.sessions,
            "records": self.records,
            "summaries": summarize(self.records, self.cross_checks),
            "cross_checks": self.cross_checks,
            "failures": self.failures,
        }

    def write(self) -> list[str]:
        """Write results.json; return the schema violations found (none when all is well)."""
        document = self.as_dict()
        self.out.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        return validate(json.loads(json.dumps(document)))


def schema() -> dict[str, Any]:
    """The results JSON Schema."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(document: dict[str, Any]) -> list[str]:
    """Every way a results document breaks the schema, as readable lines."""
    validator = jsonschema.Draft202012Validator(schema())
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: str(e.absolute_path))
    ]

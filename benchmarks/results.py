"""results.json: one record per measured window, summaries across rounds, and the run's facts.

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

from benchmarks import crosscheck, drift
from benchmarks.audit import Audit
from benchmarks.loadgen import WindowRun
from benchmarks.plan import FIXED, LoadPoint

SCHEMA_PATH = Path(__file__).with_name("results.schema.json")
SCHEMA_VERSION = 2
# Below this share of the offered rate, a fixed-load window did not get the load it was meant to.
ACHIEVED_MIN = 0.95
LATENCIES = ("p50", "p90", "p99", "p99_9", "max")
ROW_KEYS = ("impl", "variant", "scenario", "load_model", "users", "offered_rps", "db_latency_ms")


@dataclass(frozen=True)
class Where:
    """Which server, scenario, load and round a window belongs to."""

    impl: str
    variant: str
    session: str
    scenario: str
    point: LoadPoint
    round: int = 1
    position: int = 1
    shared_cores: bool = False


def spread(values: Iterable[float]) -> dict[str, float]:
    """Median, minimum and maximum across rounds."""
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


def record(
    where: Where, run: WindowRun, audit: Audit | None, out: Path, warmup: float = 0.0
) -> dict:
    """The record of one measured window."""
    summary = run.summary or {}
    seconds = summary.get("window", {}).get("seconds", 0.0)
    requests = summary.get("requests", 0)
    rps = requests / seconds if seconds else 0.0
    failures = summary.get("failures", {"total": 0, "status": 0, "body": 0, "connection": 0})
    usage = run.usage
    server_cpu = usage.server_cpu_seconds if usage else None
    client_ms = (
        round(usage.client_cpu_percent / 100 * seconds / requests * 1000, 4)
        if usage and requests
        else None
    )
    return {
        "impl": where.impl,
        "variant": where.variant,
        "session": where.session,
        "scenario": where.scenario,
        "load_model": where.point.model,
        "users": where.point.users,
        "offered_rps": where.point.offered_rps,
        "db_latency_ms": where.point.db_latency_ms,
        "round": where.round,
        "position": where.position,
        "warmup_seconds": warmup,
        "window_seconds": round(seconds, 3),
        "requests": requests,
        "requests_per_second": round(rps, 1),
        "achieved_ratio": (
            round(rps / where.point.offered_rps, 3) if where.point.offered_rps else None
        ),
        "latency_ms": summary.get("latency_ms", dict.fromkeys((*LATENCIES, "mean"), 0.0)),
        "failures": failures,
        "failure_examples": summary.get("failure_examples", []),
        "connections_closed": summary.get("connections_closed"),
        "routes": summary.get("routes", []),
        "client": {
            "cpu_percent": usage.client_cpu_percent if usage else None,
            "cpu_percent_max": usage.client_cpu_percent_max if usage else None,
            "cores_busy_percent": usage.client_cores_busy_percent if usage else None,
            "cpu_ms_per_request": client_ms,
            "proxy_cpu_percent": usage.helper_cpu_percent if usage else None,
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


def row_key(row: dict) -> tuple:
    """Which load point of which server a record, cross-check or summary is about."""
    return tuple(row.get(k, 0.0) if k == "db_latency_ms" else row[k] for k in ROW_KEYS)


def _by_round(recs: list[dict]) -> list[dict]:
    return [
        {
            "round": r["round"],
            "position": r["position"],
            "requests_per_second": r["requests_per_second"],
            "p50": r["latency_ms"]["p50"],
            "p99": r["latency_ms"]["p99"],
            "flags": r["flags"],
        }
        for r in sorted(recs, key=lambda r: r["round"])
    ]


def summarize(records: list[dict], cross_checks: list[dict]) -> list[dict]:
    """One summary per implementation x variant x scenario x load point, across its rounds."""
    rows: dict[tuple, list[dict]] = {}
    for rec in records:
        rows.setdefault(row_key(rec), []).append(rec)
    checks: dict[tuple, list[dict]] = {}
    for check in cross_checks:
        checks.setdefault(row_key(check), []).append(check)
    summaries = []
    for key, recs in rows.items():
        good = [r for r in recs if not r["error"]] or recs
        found = crosscheck.agreement(recs, checks.get(key, []))
        per_1000 = [r["server"]["cpu_seconds_per_1000_requests"] for r in good]
        client = [r["client"]["cpu_percent"] for r in good]
        flags = {flag for r in recs for flag in r["flags"]}
        if found and not found["agree"]:
            flags.add("wrk_disagrees")
        summaries.append(
            {
                **dict(zip(ROW_KEYS, key, strict=True)),
                "rounds": len(recs),
                "requests_per_second": spread(r["requests_per_second"] for r in good),
                "latency_ms": {
                    name: spread(r["latency_ms"][name] for r in good) for name in LATENCIES
                },
                "failures": sum(r["failures"]["total"] for r in recs),
                "client_cpu_percent": spread(c for c in client if c is not None),
                "server_cpu_seconds_per_1000_requests": spread(x for x in per_1000 if x),
                "server_peak_rss_bytes": max(r["server"]["peak_rss_bytes"] or 0 for r in recs),
                "flags": sorted(flags),
                "wrk_requests_per_second": found["wrk"]["median"] if found else None,
                "cross_check": found,
                "by_round": _by_round(recs),
            }
        )
    return summaries


def _with_flag(row: dict, flag: str) -> dict:
    return {**row, "flags": sorted({*row.get("flags", []), flag})} if flag else row


@dataclass
class Results:
    """Everything a run found out, written as results.json."""

    out: Path
    document: dict[str, Any] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    implementations: list[dict] = field(default_factory=list)
    cross_checks: list[dict] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)
    sweeps: list[dict] = field(default_factory=list)
    round_trips: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """Where results.json goes."""
        return self.out / "results.json"

    def drifted(self) -> set[int]:
        """The rounds whose drift reference moved from the run's median (benchmarks/drift.py)."""
        return drift.flagged(self._references())

    def _references(self) -> dict[int, dict[str, float]]:
        return {r["round"]: r["reference"] for r in self.rounds if r.get("reference")}

    def as_dict(self) -> dict[str, Any]:
        """The whole results document; every figure of a drifted round carries `drift`."""
        drifted = self.drifted()
        deviations = drift.deviations(self._references())
        rounds = [
            {
                **r,
                "deviation_percent": deviations.get(r["round"], {}),
                "drift": r["round"] in drifted,
            }
            for r in self.rounds
        ]
        records = [_with_flag(r, "drift" if r["round"] in drifted else "") for r in self.records]
        checks = [
            _with_flag(c, "drift" if c["round"] in drifted else "") for c in self.cross_checks
        ]
        return {
            "schema_version": SCHEMA_VERSION,
            **self.document,
            "implementations": self.implementations,
            "rounds": rounds,
            "sessions": self.sessions,
            "records": records,
            "summaries": summarize(records, checks),
            "sweeps": self.sweeps,
            "round_trips": self.round_trips,
            "cross_checks": checks,
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

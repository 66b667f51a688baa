"""A benchmark run's results.json, read into the figures the report shows.

This is the one module that knows the layout of results.json (benchmarks/results.schema.json);
everything else in reports/ works with the dataclasses below.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLOSED = "closed"
FIXED = "fixed"
LATENCIES = ("p50", "p90", "p99", "p99_9", "max")


@dataclass(frozen=True)
class Spread:
    """A figure across repeats: its median, lowest and highest value."""

    median: float
    low: float
    high: float
    count: int

    @classmethod
    def of(cls, values: list[float]) -> Spread | None:
        """The spread of some values, or None when there are none."""
        if not values:
            return None
        return cls(statistics.median(values), min(values), max(values), len(values))

    def overlaps(self, other: Spread) -> bool:
        """True when the two ranges of repeats overlap: the order between them is not certain."""
        return self.low <= other.high and other.low <= self.high


@dataclass(frozen=True)
class Point:
    """One scenario at one load point of one server, over its repeats."""

    scenario: str
    model: str
    users: int
    offered_rps: float | None
    throughput: Spread
    latency: dict[str, Spread]
    requests: int
    failures: int
    failure_kinds: dict[str, int]
    cpu_per_1000: Spread | None
    peak_rss: Spread | None
    client_bound: bool
    client_cpu_max: float | None
    audit_passed: bool | None
    flags: tuple[str, ...] = ()
    crosscheck_rps: float | None = None
    # Milliseconds added per database round trip by the latency proxy (0: direct).
    db_latency_ms: float = 0.0
    # Rounds the figure was measured in, and the wrk cross-check's agreement with Locust
    # (benchmarks/crosscheck.py: locust and wrk spreads, agree, explanation), if cross-checked.
    rounds: int = 1
    crosscheck: dict[str, Any] | None = None

    @property
    def drift(self) -> bool:
        """True when a round this figure comes from had a drifted reference."""
        return "drift" in self.flags

    @property
    def wrk_disagrees(self) -> bool:
        """True when wrk's median differs from Locust's by more than the agreement bound."""
        return bool(self.crosscheck) and not self.crosscheck["agree"]

    @property
    def label(self) -> str:
        """How the load point is written: `32 users` or `200 req/s offered`."""
        if self.model == FIXED:
            return f"{self.offered_rps:g} req/s offered"
        return f"{self.users} user{'s' if self.users != 1 else ''}"

    @property
    def error_rate(self) -> float:
        """Failed requests as a fraction of all requests."""
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Server:
    """One implementation x variant: how it was served and what it measured."""

    impl: str
    variant: str
    title: str
    server: str
    worker_model: str
    workers: int
    threads: int
    default: bool
    status: str
    reason: str | None
    startup: Spread | None
    idle_rss: Spread | None
    points: tuple[Point, ...]
    # /health probed while slow clients held connections (benchmarks/slowclients.py), if run.
    slow_clients: dict[str, Any] | None = None
    # The adaptive sweeps (results.json `sweeps`) by (scenario, db_latency_ms).
    sweeps: dict[tuple[str, float], dict[str, Any]] = field(default_factory=dict)
    # The database connection limit as served (taskbench.registry.db_connections), if recorded.
    db_connections: dict[str, Any] | None = None
    # PostgreSQL round trips per operation (benchmarks/roundtrips.py), if measured.
    round_trips: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """`fastapi/uvicorn`."""
        return f"{self.impl}/{self.variant}"

    @property
    def measured(self) -> bool:
        """True when the server passed its smoke check and was measured."""
        return self.status == "measured"

    def closed(self, scenario: str, db_ms: float = 0.0) -> list[Point]:
        """The closed-loop points of a scenario at a database latency, by users."""
        found = [
            p
            for p in self.points
            if p.scenario == scenario and p.model == CLOSED and p.db_latency_ms == db_ms
        ]
        return sorted(found, key=lambda p: p.users)

    def fixed(self, scenario: str, db_ms: float = 0.0) -> Point | None:
        """The fixed offered load point of a scenario, if it was measured."""
        return next(
            (
                p
                for p in self.points
                if p.scenario == scenario and p.model == FIXED and p.db_latency_ms == db_ms
            ),
            None,
        )

    def peak(self, scenario: str, db_ms: float = 0.0) -> Point | None:
        """The closed-loop point with the highest median throughput."""
        points = self.closed(scenario, db_ms)
        return max(points, key=lambda p: p.throughput.median) if points else None

    def at_users(self, scenario: str, users: int, db_ms: float = 0.0) -> Point | None:
        """The closed-loop point of a scenario at a number of users."""
        return next((p for p in self.closed(scenario, db_ms) if p.users == users), None)

    def db_levels(self, scenario: str) -> list[float]:
        """The database latencies (ms added) a scenario was measured at, lowest first."""
        return sorted({p.db_latency_ms for p in self.points if p.scenario == scenario})

    def peak_reached(self, scenario: str, db_ms: float = 0.0) -> bool | None:
        """False when the sweep stopped at its cap while throughput still rose; None: no sweep."""
        found = self.sweeps.get((scenario, db_ms))
        return None if found is None else found.get("peak_reached")


@dataclass(frozen=True)
class Run:
    """A whole benchmark run."""

    run_id: str
    status: str
    started_at: str
    finished_at: str
    argv: list[str]
    machine: dict[str, Any]
    versions: dict[str, str | None]
    wrk: dict[str, Any]
    git: dict[str, Any]
    settings: dict[str, Any]
    database: dict[str, Any]
    cpus: dict[str, list[int]]
    servers: tuple[Server, ...]
    problems: tuple[str, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)
    # Each round: its order, its drift reference and whether it drifted (results.json `rounds`).
    rounds: tuple[dict[str, Any], ...] = ()
    conditions: dict[str, Any] = field(default_factory=dict)
    # Registered variants the run did not plan to measure: (impl, variant, reason).
    not_planned: tuple[tuple[str, str, str], ...] = ()

    @property
    def drifted_rounds(self) -> list[int]:
        """The rounds whose drift reference was more than the bound from the run's median."""
        return [r["round"] for r in self.rounds if r.get("drift")]

    @property
    def db_levels(self) -> list[float]:
        """Every database latency (ms added) measured, lowest first; [0.0] for a direct run."""
        return sorted({p.db_latency_ms for s in self.servers for p in s.points} | {0.0})

    @property
    def scenarios(self) -> list[str]:
        """Every scenario measured, in the run's order."""
        return list(self.settings.get("scenarios", []))

    @property
    def impls(self) -> list[str]:
        """Every implementation in the run, in order."""
        return list(dict.fromkeys(s.impl for s in self.servers))

    @property
    def bench_args(self) -> list[str]:
        """The options `taskbench bench` was given."""
        argv = self.argv
        return argv[argv.index("bench") + 1 :] if "bench" in argv else []

    def defaults(self) -> list[Server]:
        """Each implementation's default variant: the row that stands for it in rankings."""
        return [s for s in self.servers if s.default]

    def server(self, impl: str) -> Server | None:
        """The default variant of an implementation."""
        return next((s for s in self.servers if s.impl == impl and s.default), None)

    def title(self, impl: str) -> str:
        """An implementation's title (`Django REST Framework`), or its name when not run."""
        server = self.server(impl)
        return server.title if server else impl


def _spread(items: list[dict[str, Any]], pick: Any) -> Spread | None:
    values = [v for v in (pick(item) for item in items) if v is not None]
    return Spread.of([float(v) for v in values])


def _point(
    records: list[dict[str, Any]],
    crosscheck: dict[str, Any] | None,
    agreement: dict[str, Any] | None = None,
) -> Point | None:
    flags = sorted({flag for r in records for flag in r["flags"]})
    usable = [r for r in records if not r.get("error")]
    if not usable:
        return None
    first = usable[0]
    kinds: dict[str, int] = {}
    for record in usable:
        for kind, count in record["failures"].items():
            if kind != "total" and count:
                kinds[kind] = kinds.get(kind, 0) + count
    audits = [r["audit"]["passed"] for r in usable if r.get("audit")]
    client_max = [m for r in usable if (m := r["client"].get("cpu_percent_max")) is not None]
    throughput = _spread(usable, lambda r: r["requests_per_second"])
    assert throughput is not None
    return Point(
        scenario=first["scenario"],
        model=first["load_model"],
        users=first["users"],
        offered_rps=first.get("offered_rps"),
        throughput=throughput,
        latency={
            name: spread
            for name in LATENCIES
            if (spread := _spread(usable, lambda r, n=name: r["latency_ms"].get(n)))
        },
        requests=sum(r["requests"] for r in usable),
        failures=sum(r["failures"]["total"] for r in usable),
        failure_kinds=kinds,
        cpu_per_1000=_spread(usable, lambda r: r["server"].get("cpu_seconds_per_1000_requests")),
        peak_rss=_spread(usable, lambda r: r["server"].get("peak_rss_bytes")),
        client_bound=any(
            r["client"]["client_bound"] or "client_bound" in r["flags"] for r in records
        ),
        client_cpu_max=max(client_max) if client_max else None,
        audit_passed=all(audits) if audits else None,
        flags=tuple(flags),
        crosscheck_rps=(crosscheck or {}).get("requests_per_second"),
        db_latency_ms=float(first.get("db_latency_ms") or 0.0),
        rounds=len({r.get("round", r.get("repeat")) for r in usable}),
        crosscheck=agreement,
    )


Key = tuple[str, str, str, str, int, Any, float]


def _key(row: dict[str, Any]) -> Key:
    return (
        row["impl"], row["variant"], row["scenario"], row["load_model"], row["users"],
        row.get("offered_rps"), float(row.get("db_latency_ms") or 0.0),
    )  # fmt: skip


def _points(data: dict[str, Any], impl: str, variant: str) -> tuple[Point, ...]:
    groups: dict[Key, list[dict[str, Any]]] = {}
    for record in data["records"]:
        if record["impl"] == impl and record["variant"] == variant:
            groups.setdefault(_key(record), []).append(record)
    # wrk runs in every round: the point shows the median of its rounds, and the agreement.
    runs: dict[Key, list[float]] = {}
    for check in data.get("cross_checks", []):
        if check.get("requests_per_second") is not None:
            runs.setdefault(_key(check), []).append(check["requests_per_second"])
    agreements = {
        _key(s): s["cross_check"] for s in data.get("summaries", []) if s.get("cross_check")
    }
    found = (
        _point(
            records,
            {"requests_per_second": statistics.median(runs[key])} if key in runs else None,
            agreements.get(key),
        )
        for key, records in groups.items()
    )
    return tuple(p for p in found if p is not None)


def _server(data: dict[str, Any], entry: dict[str, Any], variant: dict[str, Any]) -> Server:
    name = variant["variant"]
    sessions = [s for s in data["sessions"] if s["impl"] == entry["impl"] and s["variant"] == name]
    first = sessions[0] if sessions else {}
    failed = [s["smoke"]["failure"] for s in sessions if s.get("smoke") and s["smoke"]["failure"]]
    measured = variant["status"] == "benchmarked"
    return Server(
        impl=entry["impl"],
        variant=name,
        title=entry["title"],
        server=first.get("server", ""),
        worker_model=first.get("worker_model", ""),
        workers=first.get("workers", 0),
        threads=first.get("threads", 1),
        default=variant is entry["variants"][0],
        status="measured" if measured else variant["status"],
        reason=variant.get("reason") or entry.get("reason") or (failed[0] if failed else None),
        startup=_spread(sessions, lambda s: s.get("start_to_healthy_seconds")),
        idle_rss=_spread(sessions, lambda s: s.get("idle_rss_bytes")),
        points=_points(data, entry["impl"], name) if measured else (),
        slow_clients=next((s["slow_clients"] for s in sessions if s.get("slow_clients")), None),
        sweeps={
            (w["scenario"], float(w.get("db_latency_ms") or 0.0)): w
            for w in data.get("sweeps", [])
            if w["impl"] == entry["impl"] and w["variant"] == name
        },
        db_connections=next(
            (s["db_connections"] for s in sessions if s.get("db_connections")), None
        ),
        round_trips=next(
            (
                t
                for t in data.get("round_trips", [])
                if t["impl"] == entry["impl"] and t["variant"] == name
            ),
            None,
        ),
    )


def parse(data: dict[str, Any]) -> Run:
    """Read the figures of a results.json document (benchmarks/results.schema.json)."""
    run = data["run"]
    conditions = data["conditions"]
    servers = tuple(
        _server(data, entry, variant)
        for entry in data["implementations"]
        for variant in entry["variants"]
        if variant["status"] != "not planned" and entry["status"] != "skipped"
    )
    skipped = {
        entry["title"]: entry.get("reason") or "skipped"
        for entry in data["implementations"]
        if entry["status"] == "skipped"
    }
    return Run(
        run_id=run["id"],
        status=run["status"],
        started_at=run["started_at"],
        finished_at=run.get("finished_at") or run["started_at"],
        argv=run["argv"],
        machine=data["machine"],
        versions=data["software"]["packages"],
        wrk=data["software"]["wrk"],
        git=data["git"],
        settings=data["settings"],
        database=conditions["database"],
        cpus={"server": conditions["server_cpus"], "client": conditions["client_cpus"]},
        servers=servers,
        problems=tuple(data.get("failures", [])),
        skipped=skipped,
        rounds=tuple(data.get("rounds", [])),
        conditions=conditions,
        not_planned=tuple(
            (entry["impl"], variant["variant"], variant.get("reason") or "not planned")
            for entry in data["implementations"]
            for variant in entry["variants"]
            if variant["status"] == "not planned" and entry["status"] != "skipped"
        ),
    )


def load(path: Path) -> Run:
    """Read a results.json file."""
    return parse(json.loads(path.read_text(encoding="utf-8")))

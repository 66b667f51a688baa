"""The benchmark run: seed each implementation once, then measure round after round.

Before the first round, each implementation's template database is migrated, smoke-checked and
seeded (seeding.py) by a server of its default variant, and a small reference database is made
for the drift reference. Each round then opens with the drift reference (reference.py) and
visits the implementations in its rotated order. For each session of a visit: a fresh copy of
the template, a server pinned to the server cores (reaching the database directly or through
the latency proxy, routes.py), the smoke check, and the Locust windows from the client cores,
each write window followed by the audit, each cross-checked point followed by wrk. In the first
round, an adaptive sweep goes on past its last listed level while throughput still rises
(sweep.py); later rounds repeat the levels it reached. Whatever happens, every process started
is stopped, every database dropped, and results.json written.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from benchmarks import (
    audit,
    crosscheck,
    drift,
    loadgen,
    machine,
    plan,
    reference,
    roundtrips,
    routes,
    seeding,
    servers,
    slowclients,
    smoke,
    sweep,
)
from benchmarks.display import Progress
from benchmarks.plan import CLOSED, SCENARIOS, LoadPoint, Plan, Round, Session, Settings, Step
from benchmarks.processes import Children, interrupts_as_keyboard_interrupt, shielded
from benchmarks.results import Results, Where, record
from benchmarks.sampling import CLIENT_BOUND_PERCENT, INTERVAL, tree_rss
from benchmarks.storage import DatabaseServer
from taskbench import launcher, provenance, registry
from taskbench.links import point_latest


@dataclass(frozen=True)
class Options:
    """How to run a plan: where, on which cores, with which tools."""

    plan: Plan
    database: DatabaseServer
    server_cpus: frozenset[int]
    client_cpus: frozenset[int]
    results_root: Path
    wrk: str | None
    wrk_found: str | None = None
    live: bool = True
    argv: tuple[str, ...] = ()


@dataclass
class Template:
    """An implementation's seeded template database."""

    name: str
    table: str = ""
    first_id: int = 0
    last_id: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """What the results say about the seeding."""
        return {
            "table": self.table,
            "first_id": self.first_id,
            "last_id": self.last_id,
            "seconds": round(self.seconds, 1),
        }


@dataclass
class SweepState:
    """One adaptive sweep: the levels listed, those the first round added, and why it stopped."""

    listed: tuple[int, ...]
    added: list[int] = field(default_factory=list)
    stop: str | None = None
    decided_in_round: int | None = None


@dataclass
class Run:
    """The state of one run."""

    options: Options
    results: Results
    progress: Progress
    database: DatabaseServer
    children: Children = field(default_factory=Children)
    databases: list[str] = field(default_factory=list)
    failed: dict[tuple[str, str], str] = field(default_factory=dict)
    seeded: dict[str, Template] = field(default_factory=dict)
    probed: set[tuple[str, str]] = field(default_factory=set)
    sweeps: dict[tuple[str, str, str, float], SweepState] = field(default_factory=dict)
    started_sessions: int = 0

    @property
    def settings(self) -> Settings:
        """The plan's settings."""
        return self.options.plan.settings

    @property
    def rules(self) -> sweep.Rules:
        """When an adaptive sweep stops."""
        s = self.settings
        return sweep.Rules(s.sweep_gain_percent, s.sweep_p99_ms, s.sweep_cap)


def availability(impls: tuple[str, ...]) -> dict[str, str | None]:
    """For each implementation, why it cannot be benchmarked (None when it can)."""
    return {name: launcher.import_problem(name) for name in impls}


def default_cpus() -> tuple[frozenset[int], frozenset[int]]:
    """Server on the first core, Locust on the second (both on the first with one core)."""
    cores = sorted(os.sched_getaffinity(0))
    return frozenset(cores[:1]), frozenset(cores[1:2] or cores[:1])


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _header(run: Run, wrk_version: str | None) -> dict[str, Any]:
    opts, settings = run.options, run.settings
    estimate = opts.plan.estimate(bool(opts.wrk))
    return {
        "run": {
            "id": run.results.out.name,
            "started_at": _now(),
            "finished_at": None,
            "wall_seconds": None,
            "planned_seconds": round(estimate.total, 1),
            "planned": [
                {"what": what, "count": count, "seconds": seconds}
                for what, count, seconds in estimate.parts
            ],
            "status": "running",
            "argv": list(opts.argv),
        },
        "machine": machine.machine(),
        "software": {
            "packages": machine.versions(),
            "wrk": {
                "available": bool(opts.wrk_found),
                "used": bool(opts.wrk),
                "path": opts.wrk_found,
                "version": wrk_version,
            },
        },
        "git": provenance.git_state(),
        "settings": asdict(settings),
        "conditions": {
            "database": {
                "kind": run.database.kind,
                "origin": run.database.origin,
                "where": run.database.describe(),
                "version": run.database.version(),
                "prefix": run.database.prefix,
            },
            "server_cpus": sorted(opts.server_cpus),
            "client_cpus": sorted(opts.client_cpus),
            "shared_cores": bool(opts.server_cpus & opts.client_cpus),
            "seeding": (
                "one task created through the API, copied with SQL into seed_rows identical "
                "rows of a template database, once per implementation and run; every session "
                "starts on a copy of it"
            ),
            "access_logs": "off",
            "worker_rules": dict(registry.WORKER_RULES),
            "client_bound_percent": CLIENT_BOUND_PERCENT,
            "sample_interval_seconds": INTERVAL,
            "locust_stop_timeout_seconds": loadgen.STOP_TIMEOUT,
            "scenarios": {name: s.description for name, s in SCENARIOS.items()},
            "rounds": (
                "every round starts every server afresh and visits the implementations in an "
                "order rotated by one place from round to round; core points are measured in "
                "every round, extended points in the round their group was dealt to"
            ),
            "drift_percent": drift.DRIFT_PERCENT,
            "agree_percent": crosscheck.AGREE_PERCENT,
            "sweep": {
                "gain_percent": settings.sweep_gain_percent,
                "p99_ms": settings.sweep_p99_ms,
                "cap": settings.sweep_cap,
            },
            "slow_database_ms": plan.SLOW_DATABASE_MS,
            "warmup_round_trips": plan.WARMUP_ROUND_TRIPS,
            "db_connection_rules": dict(registry.DB_CONNECTION_RULES),
            "round_trips": (
                "PostgreSQL protocol round trips (Sync and simple Query messages) per request of "
                "each operation, counted by the database proxy at 0 ms on a fresh server per "
                f"variant after {roundtrips.WARMUP} warm-up requests per operation, "
                "after the rounds"
            ),
        },
    }


def _fail(run: Run, impl: str, variant: str | None, reason: str) -> None:
    variants = [variant] if variant else [v.name for v in registry.get(impl).variants]
    for name in variants:
        run.failed.setdefault((impl, name), reason)
    run.results.failures.append(f"{impl}/{variant or '*'}: {reason}")
    run.progress.note(f"[red]FAILED[/red] {impl}/{variant or '*'}: {reason}")


def _database(run: Run, *parts: str) -> str:
    name = run.database.name(*parts)
    run.databases.append(name)
    return name


def reference_database(run: Run) -> str | None:
    """The run's reference database for the drift reference's query loop; its URL (None and a
    note when it cannot be made: the rounds then go without references)."""
    name = _database(run, "reference")
    try:
        url = run.database.fresh(name)
        reference.create(url)
    except (OSError, sqlite3.Error, psycopg.Error) as exc:
        run.progress.note(f"no drift reference: the reference database failed: {exc}")
        return None
    return url


def prepare(run: Run, impl: str) -> Template | None:
    """Migrate, smoke-check and seed the implementation's template with its default variant."""
    opts, settings = run.options, run.settings
    variant = registry.get(impl).default_variant.name
    template = Template(_database(run, impl, "template"))
    url = run.database.fresh(template.name)
    log = run.results.out / "logs" / f"{impl}-seeding.log"
    everywhere = set(opts.server_cpus | opts.client_cpus)
    server = servers.make(impl, variant, url, everywhere, log)
    run.progress.phase("seeding", target=f"{impl}/{variant}", scenario="", load="")
    started = time.monotonic()
    try:
        with run.children.server(server):
            checked = smoke.smoke_check(server.base_url)
            if not checked.passed:
                _fail(run, impl, None, f"smoke check failed: {checked.failure}")
                return None
            template.table = seeding.seed(
                server.base_url, run.database, template.name, settings.seed_rows
            )
            template.first_id, template.last_id = seeding.seeded_range(
                server.base_url, settings.seed_rows
            )
    except (launcher.LaunchError, seeding.SeedError, OSError, sqlite3.Error, psycopg.Error) as exc:
        _fail(run, impl, None, f"could not be seeded: {exc}")
        return None
    template.seconds = time.monotonic() - started
    run.seeded[impl] = template
    return template


def _window(
    run: Run,
    session: Session,
    step: Step,
    position: int,
    server: launcher.ServerProcess,
    tpl: Template,
    route: routes.DatabaseRoute,
) -> None:
    settings, out = run.settings, run.results.out
    writes = SCENARIOS[step.scenario].writes
    warmup = plan.warmup_seconds(settings, step.point)
    spec = loadgen.WindowSpec(
        step.scenario, step.point, warmup, settings.duration, tpl.first_id, tpl.last_id
    )
    try:
        before = audit.snapshot(server.base_url) if writes else None
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        _fail(run, session.impl, session.variant, f"stopped answering before a window: {exc!r}")
        return
    run.progress.phase("warm-up", warmup, scenario=step.scenario, load=step.point.description)
    prefix = run.results.out / "raw" / session.name / f"{step.scenario}-{step.point.label}"
    route.reset()
    window = loadgen.run_window(
        spec,
        server.base_url,
        prefix,
        server.process.pid,
        run.options.server_cpus,
        run.children,
        run.progress.event,
        helper_pid=route.pid,
    )
    counters = route.counters()
    checked = None
    if before is not None and window.summary:
        run.progress.phase("auditing")
        checked = audit.audit(server.base_url, before, window.summary["ledger"])
    where = Where(
        session.impl,
        session.variant,
        session.name,
        step.scenario,
        step.point,
        round=session.round,
        position=position,
        shared_cores=bool(run.options.server_cpus & run.options.client_cpus),
    )
    rec = record(where, window, checked, out, warmup)
    rec["proxy_counters"] = counters
    run.results.records.append(rec)
    run.progress.window_done(rec)
    if window.error:
        run.results.failures.append(f"{session.name}: {window.error}")
    if checked is not None and not checked.passed:
        _fail(run, session.impl, session.variant, f"data lost: {'; '.join(checked.problems)}")


def _cross_check(
    run: Run,
    session: Session,
    step: Step,
    position: int,
    server: launcher.ServerProcess,
    tpl: Template,
) -> None:
    opts = run.options
    run.progress.phase("wrk", run.settings.wrk_duration)
    prefix = run.results.out / "raw" / session.name / f"{step.scenario}-{step.point.label}-wrk"
    figures = crosscheck.run_wrk(
        opts.wrk or "wrk",
        step.scenario,
        server.base_url,
        step.point.users,
        run.settings.wrk_duration,
        (tpl.first_id, tpl.last_id),
        prefix,
        run.children,
    )
    locust = next(
        (
            r["requests_per_second"]
            for r in reversed(run.results.records)
            if r["session"] == session.name and r["scenario"] == step.scenario
            and r["users"] == step.point.users and r["load_model"] == step.point.model
            and not r["error"]
        ),
        None,
    )  # fmt: skip
    wrk_rps = figures.get("requests_per_second")
    run.results.cross_checks.append(
        {
            "impl": session.impl,
            "variant": session.variant,
            "scenario": step.scenario,
            "load_model": step.point.model,
            "users": step.point.users,
            "offered_rps": None,
            "db_latency_ms": step.point.db_latency_ms,
            "round": session.round,
            "position": position,
            "tool": "wrk",
            **figures,
            "locust_requests_per_second": locust,
            "wrk_to_locust": round(wrk_rps / locust, 3) if wrk_rps and locust else None,
        }
    )


def _serving(run: Run, session: Session, server: launcher.ServerProcess) -> dict[str, Any]:
    """How a session's server is run: model, workers, cores and commands (port included)."""
    cpus = set(run.options.server_cpus)
    return {
        **servers.describe(session.impl, session.variant, cpus, server.port),
        "cpus": sorted(cpus),
        "command": servers.command(server),
    }


def _start(run: Run, session: Session, server: launcher.ServerProcess, info: dict) -> bool:
    """Start, time and smoke-check the server; False (the variant failed) if it is not fit."""
    try:
        startup = servers.start_timed(server)
    except launcher.LaunchError as exc:
        _fail(run, session.impl, session.variant, f"did not start: {exc}")
        return False
    info.update(
        _serving(run, session, server),  # again: a retried start has a new port
        start_to_healthy_seconds=startup.start_to_healthy,
        exec_to_healthy_seconds=startup.exec_to_healthy,
        idle_rss_bytes=tree_rss(server.process.pid),
    )
    checked = smoke.smoke_check(server.base_url)
    info["smoke"] = checked.as_dict()
    if not checked.passed:
        _fail(run, session.impl, session.variant, f"smoke check failed: {checked.failure}")
        return False
    info["status"] = "ok"
    return True


def run_session(run: Run, session: Session, position: int, tpl: Template) -> None:
    """One server on a fresh copy of the template, smoke-checked, then every step's windows."""
    opts = run.options
    key = (session.impl, session.variant)
    run.started_sessions += 1
    name = _database(run, f"s{run.started_sessions}", session.impl)
    url = run.database.copy(tpl.name, name)
    log = run.results.out / "logs" / f"{session.name}.log"
    info: dict[str, Any] = {
        "session": session.name,
        "impl": session.impl,
        "variant": session.variant,
        "round": session.round,
        "position": position,
        "route": "proxy" if session.proxied else "direct",
        "database": name,
        "steps": [f"{s.scenario} {s.point.label}" for s in session.steps],
        "start_to_healthy_seconds": None,
        "exec_to_healthy_seconds": None,
        "idle_rss_bytes": None,
        "smoke": None,
        "status": "failed",
        "wall_seconds": None,
    }
    started = time.monotonic()
    target = f"{session.impl}/{session.variant}"
    run.progress.phase("starting", target=target, scenario="", load="")
    try:
        route = routes.open_route(
            url, session.proxied, opts.client_cpus, log.with_suffix(".proxy.log")
        )
    except routes.RouteError as exc:
        _fail(run, session.impl, session.variant, str(exc))
        run.database.drop(name)
        return
    run.children.track_route(route)
    server = servers.make(
        session.impl, session.variant, route.url_for(url), set(opts.server_cpus), log
    )
    info.update(_serving(run, session, server))
    run.results.sessions.append(info)
    run.children.track(server)
    try:
        if not _start(run, session, server, info):
            return
        for step in session.steps:
            if key in run.failed:
                return
            if session.proxied:
                route.set_delay(step.point.db_latency_ms)
            _window(run, session, step, position, server, tpl, route)
            if step.cross_check and opts.wrk and key not in run.failed:
                _cross_check(run, session, step, position, server, tpl)
        if (
            not session.proxied
            and key not in run.probed
            and run.settings.slow_hold
            and key not in run.failed
        ):
            run.probed.add(key)
            run.progress.phase("slow clients", run.settings.slow_hold)
            info["slow_clients"] = slowclients.probe(server.base_url, run.settings.slow_hold)
    finally:
        run.children.release(server)
        run.children.release_route(route)
        run.database.drop(name)
        info["wall_seconds"] = round(time.monotonic() - started, 1)


def _level(records: list[dict[str, Any]]) -> sweep.Level:
    """One sweep level from its records: medians across the rounds given."""
    good = [r for r in records if not r["error"]]
    if not good:
        return sweep.Level(records[0]["users"] if records else 0, 0.0, 0.0, error=True)
    # The sweep asks whether the load generator itself (Locust, or the proxy beside it) was at
    # its limit; a busy client core alone (a shared machine) flags the figure, not the sweep.
    bound = sum(
        max(r["client"]["cpu_percent"] or 0, r["client"].get("proxy_cpu_percent") or 0)
        > CLIENT_BOUND_PERCENT
        for r in good
    )
    return sweep.Level(
        users=good[0]["users"],
        requests_per_second=statistics.median(r["requests_per_second"] for r in good),
        p99_ms=statistics.median(r["latency_ms"]["p99"] for r in good),
        client_bound=bound * 2 > len(good),
    )


def _sweep_records(
    run: Run, impl: str, variant: str, scenario: str, db_ms: float, round_number: int | None
) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    wanted = (impl, variant, scenario, db_ms, CLOSED)
    for r in run.results.records:
        here = (r["impl"], r["variant"], r["scenario"], r["db_latency_ms"], r["load_model"])
        if here == wanted and round_number in (None, r["round"]):
            found.setdefault(r["users"], []).append(r)
    return found


def extend_sweep(run: Run, session: Session, step: Step, position: int, tpl: Template) -> None:
    """After a sweep's last listed level: decide how far it goes (first round) or repeat that."""
    point = step.point
    key = (session.impl, session.variant, step.scenario, point.db_latency_ms)
    listed = tuple(
        p.users for p in plan.load_points(run.settings, step.scenario) if p.model == CLOSED
    )
    state = run.sweeps.setdefault(key, SweepState(listed=listed))
    variant_key = (session.impl, session.variant)

    def measure(users: int) -> None:
        extra = Step(step.scenario, LoadPoint(CLOSED, users, db_latency_ms=point.db_latency_ms))
        run.progress.add_windows(1)
        run_session(
            run, Session(session.impl, session.variant, session.round, (extra,)), position, tpl
        )

    if state.decided_in_round is not None:
        for users in state.added:
            if variant_key not in run.failed:
                measure(users)
        return
    while variant_key not in run.failed:
        measured = _sweep_records(run, *key, round_number=session.round)
        levels = [_level(measured[u]) for u in sorted(measured)]
        decision = sweep.next_level(levels, run.rules)
        if decision.next_users is None:
            state.stop, state.decided_in_round = decision.reason, session.round
            run.progress.note(
                f"{session.impl}/{session.variant} {step.scenario} sweep: stops at "
                f"{levels[-1].users if levels else '?'} users ({sweep.REASONS[decision.reason]})"
            )
            return
        state.added.append(decision.next_users)
        measure(decision.next_users)
        if decision.next_users not in _sweep_records(run, *key, round_number=session.round):
            state.stop, state.decided_in_round = sweep.ERROR, session.round
            return


def sweep_results(run: Run) -> list[dict[str, Any]]:
    """Each adaptive sweep: its levels, why it stopped, and its peak over the rounds' medians."""
    found = []
    for (impl, variant, scenario, db_ms), state in run.sweeps.items():
        measured = _sweep_records(run, impl, variant, scenario, db_ms, round_number=None)
        levels = [_level(measured[u]) for u in sorted(measured)]
        result = sweep.verdict(levels, state.stop or "", run.rules) if state.stop else None
        found.append(
            {
                "impl": impl,
                "variant": variant,
                "scenario": scenario,
                "db_latency_ms": db_ms,
                "listed": list(state.listed),
                "added": list(state.added),
                "levels": sorted(measured),
                "decided_in_round": state.decided_in_round,
                "stop": state.stop,
                "stop_reason": sweep.REASONS.get(state.stop or "", "the run ended first"),
                "peak_users": result.peak_users if result else None,
                "peak_requests_per_second": (
                    round(result.peak_requests_per_second, 1) if result else None
                ),
                "peak_reached": result.peak_reached if result else None,
                "flags": ["peak_not_reached"] if result and not result.peak_reached else [],
            }
        )
    return found


def run_round(run: Run, rnd: Round, reference_url: str | None) -> None:
    """The drift reference, then every visit of the round in its order."""
    settings = run.settings
    order = [
        {"impl": v.impl, "variant": s.variant, "position": v.position}
        for v in rnd.visits
        for s in v.sessions
    ]
    info: dict[str, Any] = {
        "round": rnd.number,
        "order": list({(o["impl"], o["variant"]): o for o in order}.values()),
        "groups": list(rnd.groups),
        "started_at": _now(),
        "wall_seconds": None,
        "reference": None,
        "reference_error": None,
    }
    run.results.rounds.append(info)
    started = time.monotonic()
    run.progress.round(rnd.number, settings.rounds)
    run.progress.note(
        f"round {rnd.number}/{settings.rounds}: {' -> '.join(rnd.order)}"
        + (f"; with {', '.join(rnd.groups)}" if rnd.groups else "")
    )
    run.progress.phase("drift reference", 2 * settings.reference_seconds, target="", load="")
    try:
        if reference_url is None:
            raise RuntimeError("there is no reference database")
        info["reference"] = reference.measure(
            reference_url, run.options.server_cpus, settings.reference_seconds
        )
        ref = info["reference"]
        run.progress.note(
            f"round {rnd.number} reference: {ref['cpu_units_per_second']:,.0f} CPU units/s, "
            f"{ref['queries_per_second']:,.0f} queries/s"
        )
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
        info["reference_error"] = str(exc)
        run.progress.note(f"round {rnd.number}: no drift reference: {exc}")
    try:
        for visit in rnd.visits:
            tpl = run.seeded.get(visit.impl)
            if tpl is None:
                continue
            for session in visit.sessions:
                if (session.impl, session.variant) in run.failed:
                    continue
                run_session(run, session, visit.position, tpl)
                for step in session.steps:
                    if step.extends and (session.impl, session.variant) not in run.failed:
                        extend_sweep(run, session, step, visit.position, tpl)
    finally:
        info["wall_seconds"] = round(time.monotonic() - started, 1)


def count_round_trips(run: Run) -> None:
    """Each measured variant's PostgreSQL round trips per operation (benchmarks/roundtrips.py)."""
    if not run.settings.round_trips or run.database.kind != "postgresql":
        return
    opts = run.options
    for impl, variant in opts.plan.servers:
        if (impl, variant) in run.failed or impl not in run.seeded:
            continue
        run.progress.phase("round trips", plan.ROUND_TRIPS_SECONDS, target=f"{impl}/{variant}")
        try:
            found = roundtrips.measure(
                impl,
                variant,
                admin_url=run.database.admin_url,
                server_cpus=set(opts.server_cpus),
                proxy_cpus=set(opts.client_cpus),
                log_dir=run.results.out / "logs" / "roundtrips",
            )
        except (
            roundtrips.RoundTripError,
            launcher.LaunchError,
            httpx.HTTPError,
            OSError,
            psycopg.Error,
        ) as exc:
            run.results.round_trips.append({"impl": impl, "variant": variant, "error": str(exc)})
            run.progress.note(f"round trips of {impl}/{variant} not counted: {exc}")
            continue
        run.results.round_trips.append(found.as_dict())


def _status(run: Run) -> str:
    # Window errors, failed smoke checks and failed audits are all listed in failures.
    return "failed" if run.results.failures else "complete"


def _implementations(run: Run, the_plan: Plan) -> list[dict[str, Any]]:
    rows = []
    for name in run.settings.impls:
        impl = registry.get(name)
        planned = {variant for i, variant in the_plan.servers if i == name}
        variants = []
        for variant in impl.variants:
            full = plan.fully_measured(run.settings, name, variant.name)
            if variant.name not in planned:
                status, reason = "not planned", None
            elif (name, variant.name) in run.failed:
                status, reason = "failed", run.failed[(name, variant.name)]
            else:
                status, reason = "benchmarked", None
            variants.append(
                {
                    "variant": variant.name,
                    "status": status,
                    "reason": reason,
                    "scope": ("full" if full else "peak points")
                    if variant.name in planned
                    else None,
                }
            )
        skipped = the_plan.skipped.get(name)
        rows.append(
            {
                "impl": name,
                "title": impl.title,
                "package": impl.package,
                "status": "skipped" if skipped else (
                    "failed" if any(v["status"] == "failed" for v in variants) else "benchmarked"
                ),
                "reason": skipped,
                "seeded": run.seeded[name].as_dict() if name in run.seeded else None,
                "variants": variants,
            }
        )  # fmt: skip
    return rows


def execute(options: Options) -> int:
    """Run the plan; return the exit status (0 complete, 1 failed, 130 interrupted)."""
    started = time.monotonic()
    the_plan = options.plan
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    results = Results(out=options.results_root / stamp)
    estimate = the_plan.estimate(bool(options.wrk))
    progress = Progress(the_plan.windows, estimate.total, the_plan.settings.duration, options.live)
    run = Run(
        options=options, results=results, progress=progress, database=options.database.for_run()
    )
    wrk_version = crosscheck.wrk_version(options.wrk_found) if options.wrk_found else None
    for line in plan.describe(the_plan, bool(options.wrk)):
        progress.note(line)
    progress.note(f"results in {results.out}/; databases {run.database.prefix}*")
    results.document = _header(run, wrk_version)
    everywhere = os.sched_getaffinity(0)
    status = "failed"
    # The runner itself (sampling, display, audit) lives on the client cores, with Locust.
    os.sched_setaffinity(0, options.client_cpus)
    try:
        with interrupts_as_keyboard_interrupt(), progress:
            reference_url = reference_database(run)
            for impl in the_plan.impls:
                prepare(run, impl)
            for rnd in the_plan.rounds:
                run_round(run, rnd, reference_url)
            count_round_trips(run)
            status = _status(run)
    except KeyboardInterrupt:
        status = "interrupted"
        progress.note("interrupted: stopping every server and Locust process")
    finally:
        with shielded():
            run.children.stop_all()
            for name in run.databases:
                try:
                    run.database.drop(name)
                except Exception as exc:  # cleanup must go on whatever went wrong
                    progress.note(f"could not drop {name}: {exc}")
            os.sched_setaffinity(0, everywhere)
            results.document["run"].update(
                finished_at=_now(),
                wall_seconds=round(time.monotonic() - started, 1),
                status=status,
            )
            results.implementations = _implementations(run, the_plan)
            results.sweeps = sweep_results(run)
            problems = results.write()
            point_latest(options.results_root, results.out.name)
    for problem in problems:
        print(f"taskbench: results.json breaks its schema: {problem}", file=sys.stderr)
    drifted = results.drifted()
    if drifted:
        print(f"taskbench: drift flagged in round(s) {', '.join(map(str, sorted(drifted)))}")
    wall = time.monotonic() - started
    print(
        f"{results.path} ({status}, {wall:.0f} s; planned {estimate.total:.0f} s, "
        f"{(wall / estimate.total - 1) * 100:+.0f}%)"
    )
    if status == "interrupted":
        return 130
    return 0 if status == "complete" and not problems else 1

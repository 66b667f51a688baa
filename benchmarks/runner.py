"""The benchmark run: seed each implementation, then serve, verify, load, audit and record.

For each implementation: a template database is migrated, smoke-checked and seeded (seeding.py)
by a server of its default variant. Then for each session of the plan: a copy of the template,
a server pinned to the server cores, the smoke check, and the Locust windows (warm-up, then
measured) from the client cores, each write window followed by the audit, then the wrk
cross-check. Whatever happens, every process started is stopped, every database dropped, and
results.json written.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from benchmarks import audit, crosscheck, loadgen, machine, seeding, servers, slowclients, smoke
from benchmarks.display import Progress
from benchmarks.plan import SCENARIOS, Plan, Session, Settings, Step, describe
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
class Run:
    """The state of one run."""

    options: Options
    results: Results
    progress: Progress
    children: Children = field(default_factory=Children)
    databases: list[str] = field(default_factory=list)
    failed: dict[tuple[str, str], str] = field(default_factory=dict)
    seeded: dict[str, Template] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The plan's settings."""
        return self.options.plan.settings


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
    return {
        "run": {
            "id": run.results.out.name,
            "started_at": _now(),
            "finished_at": None,
            "wall_seconds": None,
            "planned_seconds": round(opts.plan.estimate(bool(opts.wrk)), 1),
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
                "kind": opts.database.kind,
                "origin": opts.database.origin,
                "where": opts.database.describe(),
                "version": opts.database.version(),
            },
            "server_cpus": sorted(opts.server_cpus),
            "client_cpus": sorted(opts.client_cpus),
            "shared_cores": bool(opts.server_cpus & opts.client_cpus),
            "seeding": (
                "one task created through the API, copied with SQL into seed_rows identical "
                "rows of a template database; every session starts on a copy of it"
            ),
            "access_logs": "off",
            "worker_rules": dict(registry.WORKER_RULES),
            "client_bound_percent": CLIENT_BOUND_PERCENT,
            "sample_interval_seconds": INTERVAL,
            "locust_stop_timeout_seconds": loadgen.STOP_TIMEOUT,
            "scenarios": {name: s.description for name, s in SCENARIOS.items()},
        },
    }


def _fail(run: Run, impl: str, variant: str | None, reason: str) -> None:
    variants = [variant] if variant else [v.name for v in registry.get(impl).variants]
    for name in variants:
        run.failed.setdefault((impl, name), reason)
    run.results.failures.append(f"{impl}/{variant or '*'}: {reason}")
    run.progress.note(f"[red]FAILED[/red] {impl}/{variant or '*'}: {reason}")


def _database(run: Run, *parts: str) -> str:
    name = run.options.database.name(*parts)
    run.databases.append(name)
    return name


def prepare(run: Run, impl: str) -> Template | None:
    """Migrate, smoke-check and seed the implementation's template with its default variant."""
    opts, settings = run.options, run.settings
    variant = registry.get(impl).default_variant.name
    template = Template(_database(run, impl, "template"))
    url = opts.database.fresh(template.name)
    log = run.results.out / "logs" / f"{impl}-seeding.log"
    everywhere = set(opts.server_cpus | opts.client_cpus)
    server = servers.make(impl, variant, url, everywhere, log)
    run.progress.phase("seeding", target=f"{impl}/{variant}", scenario="", load="", repeat="")
    started = time.monotonic()
    try:
        with run.children.server(server):
            checked = smoke.smoke_check(server.base_url)
            if not checked.passed:
                _fail(run, impl, None, f"smoke check failed: {checked.failure}")
                return None
            template.table = seeding.seed(
                server.base_url, opts.database, template.name, settings.seed_rows
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
    repeat: int,
    server: launcher.ServerProcess,
    tpl: Template,
) -> None:
    settings, out = run.settings, run.results.out
    writes = SCENARIOS[step.scenario].writes
    spec = loadgen.WindowSpec(
        step.scenario, step.point, settings.warmup, settings.duration, tpl.first_id, tpl.last_id
    )
    try:
        before = audit.snapshot(server.base_url) if writes else None
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        _fail(run, session.impl, session.variant, f"stopped answering before a window: {exc!r}")
        return
    run.progress.phase(
        "warm-up",
        settings.warmup,
        scenario=step.scenario,
        load=step.point.description,
        repeat=f"{repeat}/{settings.repeats}",
    )
    prefix = out / "raw" / session.name / f"{step.scenario}-{step.point.label}-r{repeat}"
    window = loadgen.run_window(
        spec,
        server.base_url,
        prefix,
        server.process.pid,
        run.options.server_cpus,
        run.children,
        run.progress.event,
    )
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
        shared_cores=bool(run.options.server_cpus & run.options.client_cpus),
    )
    rec = record(where, repeat, window, checked, out)
    run.results.records.append(rec)
    run.progress.window_done(rec)
    if window.error:
        run.results.failures.append(f"{session.name} r{repeat}: {window.error}")
    if checked is not None and not checked.passed:
        _fail(run, session.impl, session.variant, f"data lost: {'; '.join(checked.problems)}")


def _cross_check(
    run: Run, session: Session, step: Step, server: launcher.ServerProcess, tpl: Template
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
    locust = [
        r["requests_per_second"]
        for r in run.results.records
        if r["session"] == session.name and r["scenario"] == step.scenario and not r["error"]
        and r["users"] == step.point.users and r["load_model"] == step.point.model
    ]  # fmt: skip
    median = statistics.median(locust) if locust else None
    wrk_rps = figures.get("requests_per_second")
    run.results.cross_checks.append(
        {
            "impl": session.impl,
            "variant": session.variant,
            "scenario": step.scenario,
            "load_model": step.point.model,
            "users": step.point.users,
            "offered_rps": None,
            "tool": "wrk",
            **figures,
            "locust_requests_per_second": median,
            "wrk_to_locust": round(wrk_rps / median, 3) if wrk_rps and median else None,
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


def _first_of_its_server(run: Run, session: Session) -> bool:
    """Whether this is the first session of its implementation and variant in the plan."""
    same = [
        s
        for s in run.options.plan.sessions
        if (s.impl, s.variant) == (session.impl, session.variant)
    ]
    return bool(same) and same[0] is session


def run_session(run: Run, session: Session, tpl: Template) -> None:
    """One server on a fresh copy of the template, smoke-checked, then every step's windows."""
    opts = run.options
    key = (session.impl, session.variant)
    name = _database(run, session.name)
    url = opts.database.copy(tpl.name, name)
    log = run.results.out / "logs" / f"{session.name}.log"
    server = servers.make(session.impl, session.variant, url, set(opts.server_cpus), log)
    info: dict[str, Any] = {
        "session": session.name,
        "impl": session.impl,
        "variant": session.variant,
        **_serving(run, session, server),
        "database": name,
        "steps": [f"{s.scenario} {s.point.label}" for s in session.steps],
        "start_to_healthy_seconds": None,
        "exec_to_healthy_seconds": None,
        "idle_rss_bytes": None,
        "smoke": None,
        "status": "failed",
        "wall_seconds": None,
    }
    run.results.sessions.append(info)
    started = time.monotonic()
    target = f"{session.impl}/{session.variant}"
    run.progress.phase("starting", target=target, scenario="", load="", repeat="")
    run.children.track(server)
    try:
        if not _start(run, session, server, info):
            return
        for step in session.steps:
            for repeat in range(1, run.settings.repeats + 1):
                if key in run.failed:
                    return
                _window(run, session, step, repeat, server, tpl)
            if step.cross_check and opts.wrk and key not in run.failed:
                _cross_check(run, session, step, server, tpl)
        if _first_of_its_server(run, session) and run.settings.slow_hold and key not in run.failed:
            run.progress.phase("slow clients", run.settings.slow_hold)
            info["slow_clients"] = slowclients.probe(server.base_url, run.settings.slow_hold)
    finally:
        run.children.release(server)
        opts.database.drop(name)
        info["wall_seconds"] = round(time.monotonic() - started, 1)


def _status(run: Run) -> str:
    # Window errors, failed smoke checks and failed audits are all listed in failures.
    return "failed" if run.results.failures else "complete"


def _implementations(run: Run, plan: Plan) -> list[dict[str, Any]]:
    rows = []
    for name in run.settings.impls:
        impl = registry.get(name)
        planned = {s.variant for s in plan.sessions if s.impl == name}
        variants = []
        for variant in impl.variants:
            if variant.name not in planned:
                status, reason = "not planned", None
            elif (name, variant.name) in run.failed:
                status, reason = "failed", run.failed[(name, variant.name)]
            else:
                status, reason = "benchmarked", None
            variants.append({"variant": variant.name, "status": status, "reason": reason})
        skipped = plan.skipped.get(name)
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
    plan = options.plan
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    results = Results(out=options.results_root / stamp)
    planned = plan.estimate(bool(options.wrk))
    progress = Progress(plan.windows, planned, plan.settings.duration, options.live)
    run = Run(options=options, results=results, progress=progress)
    wrk_version = crosscheck.wrk_version(options.wrk_found) if options.wrk_found else None
    for line in describe(plan, bool(options.wrk)):
        progress.note(line)
    progress.note(f"results in {results.out}/")
    results.document = _header(run, wrk_version)
    started = time.monotonic()
    everywhere = os.sched_getaffinity(0)
    status = "failed"
    # The runner itself (sampling, display, audit) lives on the client cores, with Locust.
    os.sched_setaffinity(0, options.client_cpus)
    try:
        with interrupts_as_keyboard_interrupt(), progress:
            for impl in plan.impls:
                tpl = prepare(run, impl)
                if tpl is None:
                    continue
                for session in (s for s in plan.sessions if s.impl == impl):
                    if (impl, session.variant) not in run.failed:
                        run_session(run, session, tpl)
            status = _status(run)
    except KeyboardInterrupt:
        status = "interrupted"
        progress.note("interrupted: stopping every server and Locust process")
    finally:
        with shielded():
            run.children.stop_all()
            for name in run.databases:
                try:
                    options.database.drop(name)
                except Exception as exc:  # cleanup must go on whatever went wrong
                    progress.note(f"could not drop {name}: {exc}")
            os.sched_setaffinity(0, everywhere)
            results.document["run"].update(
                finished_at=_now(),
                wall_seconds=round(time.monotonic() - started, 1),
                status=status,
            )
            results.implementations = _implementations(run, plan)
            problems = results.write()
            point_latest(options.results_root, results.out.name)
    for problem in problems:
        print(f"taskbench: results.json breaks its schema: {problem}", file=sys.stderr)
    print(f"{results.path} ({status}, {time.monotonic() - started:.0f} s)")
    if status == "interrupted":
        return 130
    return 0 if status == "complete" and not problems else 1

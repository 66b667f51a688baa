"""Figures at added database latency: capacity, one user's time per request, round trips.

The benchmark puts a proxy between each server and PostgreSQL that delays every answer by a set
time (results.json `db_latency_ms`). At such a level, a server's capacity is its read throughput
at the peak users level, and the time one request takes is one user's p50; both come from the
run, with their spread across rounds.
"""

from __future__ import annotations

from reports.measures import Measure
from reports.results import Run, Server

SLOW_MS = 100.0  # the level the claims about a slow database are decided at
ASYNC = "async"  # the worker model of an event loop (uvicorn, gunicorn's uvicorn worker)
READ = "read"
OPERATIONS = ("health", "read", "list", "create", "replace", "update", "delete")


def scenario(run: Run) -> str | None:
    """The scenario measured at every level: reads, when the run had them."""
    levels = [s for s in run.scenarios if any(len(srv.db_levels(s)) > 1 for srv in run.servers)]
    if READ in levels:
        return READ
    return levels[0] if levels else None


def levels(run: Run) -> list[float]:
    """The added latencies measured, 0 included, lowest first."""
    return run.db_levels


def why_not_shown(run: Run) -> str | None:
    """One sentence saying why the run has no figures at added latency; None when it has."""
    kind = run.database.get("kind")
    if kind == "sqlite":
        return (
            "This run used SQLite, an embedded database with no network between server and "
            "data, so no latency could be added: the figures below need a PostgreSQL run "
            "(taskbench bench --db-latency 0,1,10,100)."
        )
    if len(levels(run)) < 2 or scenario(run) is None:
        return (
            "This run measured no added database latency (taskbench bench --db-latency "
            "0,1,10,100 does), so there are no figures for a database that takes its time."
        )
    return None


def peak_users(run: Run) -> int:
    """The users of the peak load level, where capacity is read."""
    return int(run.settings.get("peak_users") or 0)


def capacity(run: Run, server: Server, db_ms: float, name: str | None = None) -> Measure | None:
    """Requests/s at the peak users level at an added latency (the best level when not run)."""
    name = name or scenario(run)
    if not name or not server.measured:
        return None
    point = server.at_users(name, peak_users(run), db_ms) or server.peak(name, db_ms)
    return Measure(point.throughput, point.client_bound) if point else None


def one_user(run: Run, server: Server, db_ms: float, name: str | None = None) -> Measure | None:
    """One user's median time per request (p50, ms) at an added latency."""
    name = name or scenario(run)
    if not name or not server.measured:
        return None
    point = server.at_users(name, 1, db_ms)
    if point is None or "p50" not in point.latency:
        return None
    return Measure(point.latency["p50"], point.client_bound)


def cpu_ms_per_request(run: Run, server: Server, name: str | None = None) -> Measure | None:
    """Server CPU per request (ms), at the peak users level with no latency added."""
    name = name or scenario(run)
    if not name or not server.measured:
        return None
    point = server.at_users(name, peak_users(run)) or server.peak(name)
    if point is None or point.cpu_per_1000 is None:
        return None
    return Measure(point.cpu_per_1000, point.client_bound)  # CPU-s per 1,000 = CPU-ms per one


def round_trips(server: Server, operation: str = READ) -> int | None:
    """PostgreSQL round trips one request of an operation makes, when measured."""
    found = (server.round_trips or {}).get("operations", {}).get(operation)
    return found.get("round_trips") if found else None


def is_async(server: Server) -> bool:
    """True for a server whose worker runs an event loop."""
    return server.worker_model == ASYNC

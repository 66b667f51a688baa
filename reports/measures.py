"""Figures derived from a run for one server: peaks, the framework floor, CPU and memory.

Every derived figure keeps the spread across rounds and whether the load generator limited it.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.results import Point, Run, Server, Spread

FLOOR = "health"
MIB = 2**20


@dataclass(frozen=True)
class Measure:
    """A figure with its spread across rounds, and whether it was client-bound."""

    spread: Spread
    client_bound: bool = False

    @property
    def value(self) -> float:
        """The median."""
        return self.spread.median


def main_scenario(run: Run) -> str | None:
    """The scenario that stands for 'an API under load': mixed CRUD when it ran."""
    scenarios = run.scenarios
    if "mixed" in scenarios:
        return "mixed"
    database = [s for s in scenarios if s != FLOOR]
    return database[0] if database else (scenarios[0] if scenarios else None)


def database_scenarios(run: Run) -> list[str]:
    """Every scenario that reaches the database (all but the framework floor)."""
    return [s for s in run.scenarios if s != FLOOR]


def swept_scenarios(run: Run) -> list[str]:
    """Scenarios measured at more than one closed-loop load point."""
    return [s for s in run.scenarios if any(len(srv.closed(s)) > 1 for srv in run.servers)]


def fixed_scenarios(run: Run) -> list[str]:
    """Scenarios measured at a fixed offered load."""
    return [s for s in run.scenarios if any(srv.fixed(s) for srv in run.servers)]


def comparable_point(server: Server, scenario: str, users: int) -> Point | None:
    """The closed-loop point at `users` users, or the scenario's peak when it has none there."""
    return server.at_users(scenario, users) or server.peak(scenario)


def throughput(server: Server, scenario: str) -> Measure | None:
    """Peak throughput of a scenario: the best closed-loop point, in requests/s."""
    point = server.peak(scenario)
    return Measure(point.throughput, point.client_bound) if point else None


def p99_at_fixed_load(server: Server, scenario: str) -> Measure | None:
    """p99 latency at the fixed offered load, in ms."""
    point = server.fixed(scenario)
    if point is None or "p99" not in point.latency:
        return None
    return Measure(point.latency["p99"], point.client_bound)


def floor_fraction(server: Server, scenario: str, users: int) -> Measure | None:
    """A scenario's throughput as a fraction of the framework floor at the same users."""
    point, floor = comparable_point(server, scenario, users), comparable_point(server, FLOOR, users)
    if point is None or floor is None or not floor.throughput.median:
        return None
    t, f = point.throughput, floor.throughput
    spread = Spread(t.median / f.median, t.low / f.high, t.high / f.low, min(t.count, f.count))
    return Measure(spread, point.client_bound or floor.client_bound)


def cpu_per_1000(server: Server, scenario: str) -> Measure | None:
    """Server CPU-seconds per 1,000 requests at the scenario's peak."""
    point = server.peak(scenario)
    if point is None or point.cpu_per_1000 is None:
        return None
    return Measure(point.cpu_per_1000, point.client_bound)


def _scaled(spread: Spread, factor: float) -> Spread:
    return Spread(spread.median * factor, spread.low * factor, spread.high * factor, spread.count)


def memory_total(server: Server, scenario: str) -> Measure | None:
    """Peak resident memory of the whole server (every worker) at the scenario's peak, MiB."""
    point = server.peak(scenario)
    if point is None or point.peak_rss is None:
        return None
    return Measure(_scaled(point.peak_rss, 1 / MIB), point.client_bound)


def memory_per_worker(server: Server, scenario: str) -> Measure | None:
    """Peak resident memory per worker process at the scenario's peak, MiB."""
    total = memory_total(server, scenario)
    if total is None or not server.workers:
        return None
    return Measure(_scaled(total.spread, 1 / server.workers), total.client_bound)


def idle_memory_per_worker(server: Server) -> Measure | None:
    """Resident memory per worker right after start, MiB."""
    if server.idle_rss is None or not server.workers:
        return None
    return Measure(_scaled(server.idle_rss, 1 / MIB / server.workers))


def startup(server: Server) -> Measure | None:
    """Seconds from starting the server to its first healthy answer."""
    return Measure(server.startup) if server.startup else None

"""Variants compared within each framework, at the load points they share.

Every registered variant appears: measured ones with their figures, the others with why they
were not. Within a framework, variants are ranked at each shared point by the verdict's rule
(verdict.rank): read and mixed at the run's peak users with no database latency added, and read
at the highest database latency measured, each at the users level every variant of the
framework was measured at (the peak users when they share it, else the highest they share).
"""

from __future__ import annotations

from dataclasses import dataclass

from reports import fmt, verdict
from reports.measures import Measure
from reports.results import Point, Run, Server

MAIN_SCENARIOS = ("read", "mixed")


@dataclass(frozen=True)
class Column:
    """A point variants are compared at: a scenario at a database latency."""

    scenario: str
    db_ms: float

    @property
    def title(self) -> str:
        """`read, 0 ms added`."""
        return f"{self.scenario}, {self.db_ms:g} ms added"


@dataclass(frozen=True)
class Cell:
    """One variant's figure at a column's shared point, ranked within its framework."""

    text: str
    rank: int | None = None
    tied: bool = False
    point: Point | None = None  # the figure's point, for its flags


@dataclass(frozen=True)
class Row:
    """One variant: how it was served and its cells (empty when it was not measured)."""

    variant: str
    workers: str
    cells: tuple[Cell, ...]
    reason: str | None = None


@dataclass(frozen=True)
class Framework:
    """A framework's variants, and per column which variant leads, or a tie."""

    title: str
    rows: tuple[Row, ...]
    outcomes: tuple[str, ...]


def columns(run: Run) -> list[Column]:
    """read and mixed at 0 ms added, and read at the highest database latency measured."""
    found = [Column(s, 0.0) for s in MAIN_SCENARIOS if s in run.scenarios]
    added = [lvl for lvl in run.db_levels if lvl > 0]
    if "read" in run.scenarios and added:
        found.append(Column("read", added[-1]))
    return found


def shared_users(run: Run, servers: list[Server], column: Column) -> int | None:
    """The users level every measured variant has at the column: the peak users if shared."""
    levels = [
        {p.users for p in s.closed(column.scenario, column.db_ms)} for s in servers if s.measured
    ]
    shared = set.intersection(*levels) if levels else set()
    if not shared:
        return None
    peak = run.settings.get("peak_users")
    return peak if peak in shared else max(shared)


def _framework(run: Run, impl: str, cols: list[Column]) -> Framework:
    servers = [s for s in run.servers if s.impl == impl]
    measured = [s for s in servers if s.measured]
    points: list[dict[str, Point]] = []
    outcomes = []
    for column in cols:
        users = shared_users(run, measured, column)
        found = {
            s.variant: p
            for s in measured
            if users and (p := s.at_users(column.scenario, users, column.db_ms))
        }
        points.append(found)
        outcomes.append(_outcome(found, users))
    ranks = [
        {
            e.impl: e
            for e in verdict.rank(
                [verdict.Entry(v, Measure(p.throughput, p.client_bound)) for v, p in found.items()],
                verdict.HIGHER,
            )
        }
        for found in points
    ]
    rows = []
    for server in servers:
        cells = []
        for found, ranked in zip(points, ranks, strict=True):
            point = found.get(server.variant)
            if point is None:
                cells.append(Cell(fmt.NOT_MEASURED))
                continue
            entry = ranked[server.variant]
            text = f"{fmt.spread(point.throughput, 'req/s')} at {point.label}"
            rank = entry.rank if len(found) > 1 else None
            cells.append(Cell(text, rank, entry.tied, point))
        rows.append(
            Row(
                server.variant,
                fmt.workers(server.workers, server.worker_model, server.threads)
                if server.measured
                else "",
                tuple(cells) if server.measured else (),
                None if server.measured else (server.reason or server.status),
            )
        )
    rows += [
        Row(variant, "", (), f"not planned: {reason}" if reason != "not planned" else reason)
        for name, variant, reason in run.not_planned
        if name == impl
    ]
    title = servers[0].title if servers else impl
    return Framework(title, tuple(rows), tuple(outcomes))


def _outcome(found: dict[str, Point], users: int | None) -> str:
    """Which variant leads at a column, or a tie, or why there is nothing to compare."""
    if len(found) < 2:
        return "one variant measured" if found else fmt.NOT_MEASURED
    ranked = verdict.rank(
        [verdict.Entry(v, Measure(p.throughput, p.client_bound)) for v, p in found.items()],
        verdict.HIGHER,
    )
    first = [e.impl for e in ranked if e.rank == 1]
    if len(first) == 1:
        return f"{first[0]} leads"
    return f"tie between {', '.join(first)}"


def compare(run: Run) -> tuple[list[Column], list[Framework]]:
    """The columns, and each framework of the run with its variants compared at them."""
    cols = columns(run)
    return cols, [_framework(run, impl, cols) for impl in run.impls]

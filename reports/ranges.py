"""Decide a rule at every point of a range, then say where its answer changes.

A claim or a choice holds at some load points and database latencies and not at others; a
single figure at one point hides that. `decide` applies a rule at each point, in order, and
`where` writes the runs of equal answers as a phrase: `supported up to 8 users, not from 32
users`, or `at 0 ms added, not at 10 ms added`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.results import Point, Run, Server


@dataclass(frozen=True)
class At:
    """A rule's answer at one point of a range; answer None when the point was not measured."""

    where: str
    answer: str | None


def decide[T](
    points: Sequence[T], label: Callable[[T], str], rule: Callable[[T], str | None]
) -> list[At]:
    """The rule's answer at every point, in the points' order."""
    return [At(label(point), rule(point)) for point in points]


def runs(found: Sequence[At]) -> list[tuple[str, list[str]]]:
    """Consecutive points with the same answer, as (answer, their labels); unmeasured left out."""
    grouped: list[tuple[str, list[str]]] = []
    for at in found:
        if at.answer is None:
            continue
        if grouped and grouped[-1][0] == at.answer:
            grouped[-1][1].append(at.where)
        else:
            grouped.append((at.answer, [at.where]))
    return grouped


def answers(found: Sequence[At]) -> set[str]:
    """The distinct answers measured."""
    return {at.answer for at in found if at.answer is not None}


def changes(found: Sequence[At]) -> bool:
    """True when the answer is not the same at every measured point."""
    return len(answers(found)) > 1


def _span(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"


def where(found: Sequence[At], negative: str = "not") -> str:
    """Where each answer holds: `supported up to 8 users, not from 32 users`.

    Two runs read as `up to` and `from` (each `at` when it is a single point); more runs list
    each answer with its span. The second answer of two is shortened to `negative` when it is
    the first one negated (`supported` then `not supported` reads `..., not from ...`).
    """
    grouped = runs(found)
    if not grouped:
        return "not measured"
    if len(grouped) == 1:
        answer, labels = grouped[0]
        if len(labels) > 1:
            return f"{answer} at every point from {labels[0]} to {labels[-1]}"
        return f"{answer} at {labels[0]}"
    if len(grouped) == 2:
        (first, before), (second, after) = grouped
        if second == f"{negative} {first}":
            second = negative
        head = f"{first} up to {before[-1]}" if len(before) > 1 else f"{first} at {before[0]}"
        tail = f"{second} from {after[0]}" if len(after) > 1 else f"{second} at {after[0]}"
        return f"{head}, {tail}"
    return "; ".join(f"{answer} at {_span(labels)}" for answer, labels in grouped)


def users_label(users: int) -> str:
    """`1 user`, `32 users`."""
    return f"{users} user{'s' if users != 1 else ''}"


def db_label(db_ms: float) -> str:
    """`0 ms added`, `10 ms added`: the database latency the proxy added per round trip."""
    return f"{db_ms:g} ms added"


def _defaults(run: Run) -> list[Server]:
    return [s for s in run.defaults() if s.measured]


def points_at(
    run: Run, scenario: str, users: int | None, db_ms: float = 0.0
) -> dict[str, Point] | None:
    """Each measured default server's closed-loop point (its peak when users is None); None
    unless every one has it."""
    found = {}
    for server in _defaults(run):
        point = (
            server.peak(scenario, db_ms)
            if users is None
            else server.at_users(scenario, users, db_ms)
        )
        if point is None:
            return None
        found[server.impl] = point
    return found if len(found) > 1 else None


def over_load(
    run: Run, scenario: str, rule: Callable[[dict[str, Point]], str | None], db_ms: float = 0.0
) -> list[At]:
    """The rule at every closed-loop load point of a scenario, fewest users first."""
    levels = sorted({p.users for s in _defaults(run) for p in s.closed(scenario, db_ms)})

    def answer(users: int) -> str | None:
        found = points_at(run, scenario, users, db_ms)
        return rule(found) if found else None

    return decide(levels, users_label, answer)


def over_db(run: Run, scenario: str, rule: Callable[[dict[str, Point]], str | None]) -> list[At]:
    """The rule at each database latency's peak of a scenario, lowest latency first."""
    levels = [lvl for lvl in run.db_levels if any(s.closed(scenario, lvl) for s in _defaults(run))]

    def answer(db_ms: float) -> str | None:
        found = points_at(run, scenario, None, db_ms)
        return rule(found) if found else None

    return decide(levels, db_label, answer)

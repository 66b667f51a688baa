"""The adaptive closed-loop sweep: go on past the listed levels until the server's peak is found.

After the last listed level (and after each level it adds), the sweep doubles the users while
throughput still gains at least `gain_percent` from one level to the next, p99 stays within
`p99_ms`, the load generator is not the limit, and the next level stays within `cap`. The first
round decides how far to go; later rounds repeat exactly its levels, so every round measures the
same levels and they can be compared. After the last round the medians across rounds say
whether the peak was reached: a sweep stopped by the cap while still rising, or by a load
generator at its limit, did not reach it ("peak not reached").
"""

from __future__ import annotations

from dataclasses import dataclass

RISING = "rising"
PLATEAU = "plateau"
P99 = "p99"
CLIENT_BOUND = "client_bound"
CAP = "cap"
ERROR = "error"
REASONS = {
    RISING: "throughput still rising: doubling the users",
    PLATEAU: "throughput gained less than the minimum from the level before",
    P99: "p99 passed the bound",
    CLIENT_BOUND: "the load generator was the limit",
    CAP: "the next level would pass the cap",
    ERROR: "a window produced no figures",
}


@dataclass(frozen=True)
class Rules:
    """When the sweep stops."""

    gain_percent: float = 5.0
    p99_ms: float = 2000.0
    cap: int = 512


@dataclass(frozen=True)
class Level:
    """What one level of the sweep measured."""

    users: int
    requests_per_second: float
    p99_ms: float
    client_bound: bool = False
    error: bool = False


@dataclass(frozen=True)
class Decision:
    """The next level to measure (None: stop here), and why."""

    next_users: int | None
    reason: str


def gain(before: Level, after: Level) -> float:
    """Percent more requests/s at `after` than at `before`."""
    if before.requests_per_second <= 0:
        return float("inf") if after.requests_per_second > 0 else 0.0
    return (after.requests_per_second / before.requests_per_second - 1) * 100


def next_level(levels: list[Level], rules: Rules) -> Decision:
    """Whether to measure one more level after these (ascending users), and which."""
    if not levels or levels[-1].error:
        return Decision(None, ERROR)
    last = levels[-1]
    if last.client_bound:
        return Decision(None, CLIENT_BOUND)
    if last.p99_ms > rules.p99_ms:
        return Decision(None, P99)
    if len(levels) >= 2 and gain(levels[-2], last) < rules.gain_percent:
        return Decision(None, PLATEAU)
    if last.users * 2 > rules.cap:
        return Decision(None, CAP)
    return Decision(last.users * 2, RISING)


@dataclass(frozen=True)
class Verdict:
    """The sweep's peak over the medians of all rounds, and whether it was reached."""

    peak_users: int
    peak_requests_per_second: float
    peak_reached: bool
    reason: str


def verdict(medians: list[Level], stop: str, rules: Rules) -> Verdict | None:
    """The peak of a sweep from the medians across rounds of its levels.

    A sweep stopped by the load generator never reached the server's peak. One stopped by the
    cap did not either, unless the medians show that its last step gained less than the rule
    asks (the first round's figures alone said it was still rising).
    """
    found = [m for m in medians if not m.error]
    if not found:
        return None
    peak = max(found, key=lambda m: m.requests_per_second)
    reached = True
    if stop == CLIENT_BOUND or any(m.client_bound for m in found[-1:]):
        reached = False
    elif stop == CAP:
        reached = len(found) >= 2 and gain(found[-2], found[-1]) < rules.gain_percent
    return Verdict(peak.users, peak.requests_per_second, reached, stop)

"""What a benchmark run measures: rounds, scenarios, load points, server sessions, and its duration.

A run is a number of rounds. Each round visits the implementations in an order rotated from
round to round, so that each takes each position equally often, and starts every server afresh.
The core points (each implementation's default variant without added database latency) are
measured in every round; the extended points (database-latency levels, one user, the other
variants at their peak points) are each measured in one round, dealt out so that the rounds
take about as long as each other. README.md gives the rules and the arithmetic, and
`taskbench bench --dry-run` prints the plan of any set of options.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from taskbench import registry

CLOSED = "closed"
FIXED = "fixed"


@dataclass(frozen=True)
class Scenario:
    """A Locust task set (one user class of benchmarks/locustfile.py)."""

    name: str
    user_class: str
    writes: bool
    description: str


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("health", "HealthUser", False, "GET /health: the framework's floor"),
        Scenario("read", "ReadUser", False, "GET /api/v1/tasks/{id} of a random seeded task"),
        Scenario("list", "ListUser", False, "GET /api/v1/tasks?page={random}&per_page=20"),
        Scenario("create", "CreateUser", True, "POST /api/v1/tasks"),
        Scenario(
            "mixed",
            "MixedUser",
            True,
            "60% read, 20% list, 10% create, 5% update (PATCH) and 5% delete of tasks it created",
        ),
    )
}
DEFAULT_SCENARIOS = ("health", "read", "mixed")
# Scenarios that get the closed-loop sweep and the fixed offered load; the others get one
# closed-loop point at --peak-users.
SWEPT_SCENARIOS = ("mixed",)
# The scenarios every variant is measured in at its peak point, and at the database levels.
PEAK_SCENARIOS = ("read", "mixed")
ONE_USER_SCENARIO = "read"

# Database latency added per round trip, in milliseconds (0 = the server talks to the database
# directly). From SLOW_DATABASE_MS on, a level asks how much each server model can serve while
# requests mostly wait: it measures reads at the peak users level with every variant. Below
# it, reads and the mix at the peak users level, with each implementation's default variant.
# Every level, 0 included, also measures one user reading: the time one request takes.
DEFAULT_DB_LATENCY = (0.0, 1.0, 10.0, 100.0)
SLOW_DATABASE_MS = 100.0
# After a change of database latency the warm-up also lets this many round trips pass, so that
# every user has finished requests at the new delay before the window opens (+5 s at 100 ms).
WARMUP_ROUND_TRIPS = 50

# Which variants a run measures: each implementation's default variant only; the default
# variant fully and every other variant at its peak points (the default plan); or every
# variant fully.
VARIANT_SCOPES = ("default", "peak", "all")

# Seconds the run spends outside measured windows, measured on the 2-core machine (see
# README.md, "The plan's arithmetic"); they only feed the duration printed before a run starts.
LOCUST_OVERHEAD = 0.7  # a Locust process's start and stop beyond its warm-up and window
# The same around a window shorter than SHORT_WINDOW seconds (--quick's 3 s), measured apart:
# 1.3-1.7 s in a quick run on PostgreSQL, where the sample's 20 s windows took 0.56 s.
LOCUST_OVERHEAD_SHORT = 1.5
SHORT_WINDOW = 10.0
SESSION_OVERHEAD = 3.0  # copy the database, start the server, smoke check, stop, drop
PROXY_OVERHEAD = 0.5  # start and stop the database-latency proxy of a session
SEEDING = 3.5  # per implementation: template, migration, seeding server, seeding
AUDIT_OVERHEAD = 0.2
WRK_OVERHEAD = 0.3
SLOW_CLIENTS_OVERHEAD = 1.5  # beyond the hold: connecting the holders, letting go
REFERENCE_OVERHEAD = 1.0  # beyond its two timed loops: starting the pinned process
# Counting one variant's round trips: a fresh database, a server through the proxy, 20 warm-up
# and 10 counted requests per operation, and the connection peak at a slow database.
ROUND_TRIPS_SECONDS = 12.0
RUN_OVERHEAD = 5.0  # versions, git, the reference database, writing and checking results
# The sweep's extension is decided while the run goes; the estimate assumes this many extra
# levels per swept server (in the committed sample two of three servers still rose at 128).
EXPECTED_EXTENSIONS = 1


@dataclass(frozen=True)
class Settings:
    """Every option of a run that shapes what is measured."""

    impls: tuple[str, ...] = tuple(registry.IMPLEMENTATIONS)
    variants: str = "peak"
    scenarios: tuple[str, ...] = DEFAULT_SCENARIOS
    users: tuple[int, ...] = (8, 32, 128)
    peak_users: int = 32
    sweep_all: bool = False
    # The closed-loop sweep goes on past `users`, doubling, until throughput gains less than
    # sweep_gain_percent from one level to the next, p99 passes sweep_p99_ms, the load
    # generator is the limit, or the next level would pass sweep_cap (benchmarks/sweep.py).
    sweep_cap: int = 256
    sweep_gain_percent: float = 5.0
    sweep_p99_ms: float = 2000.0
    offered_rps: float = 100.0
    fixed_users: int = 20
    duration: int = 20
    rounds: int = 3
    warmup: float = 2.0
    seed_rows: int = 10_000
    wrk_duration: int = 10
    # Seconds that slow clients hold connections after each server variant's first session
    # (benchmarks/slowclients.py); 0 leaves the probe out.
    slow_hold: int = 5
    # One server per variant for every scenario, instead of a fresh one per write load point.
    shared_server: bool = False
    db_latency: tuple[float, ...] = DEFAULT_DB_LATENCY
    # Measure the extended points in every round rather than in one.
    every_round: bool = False
    # Seconds of each of the two loops of the drift reference (benchmarks/reference.py).
    reference_seconds: float = 2.0
    # Count each server's PostgreSQL round trips per operation (benchmarks/roundtrips.py).
    round_trips: bool = True


QUICK = {
    "variants": "default",
    "scenarios": DEFAULT_SCENARIOS,
    "users": (32,),
    "sweep_cap": 32,
    "duration": 3,
    "rounds": 1,
    "warmup": 1.0,
    "seed_rows": 1_000,
    "wrk_duration": 2,
    "slow_hold": 2,
    "shared_server": True,
    "round_trips": False,
    "db_latency": (0.0,),
    "reference_seconds": 0.5,
}
EXHAUSTIVE = {
    "variants": "all",
    "scenarios": tuple(SCENARIOS),
    "sweep_all": True,
    "every_round": True,
}


def preset(name: str, base: Settings | None = None) -> Settings:
    """The settings of a named preset: 'default', 'quick' or 'exhaustive'."""
    base = base or Settings()
    changes = {"default": {}, "quick": QUICK, "exhaustive": EXHAUSTIVE}[name]
    return replace(base, **changes)


@dataclass(frozen=True)
class LoadPoint:
    """One load level: closed loop with N users, or a fixed offered rate spread over N users."""

    model: str
    users: int
    offered_rps: float | None = None
    db_latency_ms: float = 0.0

    @property
    def rate_per_user(self) -> float:
        """constant_throughput of each user; 0 means no pacing (closed loop)."""
        return self.offered_rps / self.users if self.offered_rps else 0.0

    @property
    def description(self) -> str:
        """How the display writes it: `32 users`, `100 req/s offered`, `1 user +10 ms db`."""
        if self.model == FIXED:
            text = f"{self.offered_rps:g} req/s offered"
        else:
            text = f"{self.users} user{'s' if self.users != 1 else ''}"
        return text + (f" +{self.db_latency_ms:g} ms db" if self.db_latency_ms else "")

    @property
    def label(self) -> str:
        """A short name used in file names: u32, fixed100rps, u32-db10ms."""
        text = f"fixed{self.offered_rps:g}rps" if self.model == FIXED else f"u{self.users}"
        return text + (f"-db{self.db_latency_ms:g}ms" if self.db_latency_ms else "")


@dataclass(frozen=True)
class Step:
    """One scenario at one load point: one measured window in its round.

    `extends` marks the last listed level of an adaptive sweep: in the first round the sweep
    goes on from there while throughput still rises, and later rounds repeat the levels it
    reached (benchmarks/sweep.py).
    """

    scenario: str
    point: LoadPoint
    cross_check: bool = False
    extends: bool = False


@dataclass(frozen=True)
class Session:
    """One server on a fresh copy of the seeded database, and the steps measured against it."""

    impl: str
    variant: str
    round: int
    steps: tuple[Step, ...]

    @property
    def proxied(self) -> bool:
        """True when the server reaches its database through the latency proxy."""
        return any(step.point.db_latency_ms for step in self.steps)

    @property
    def writes(self) -> bool:
        """True when a step writes, so the database must be fresh."""
        return any(SCENARIOS[step.scenario].writes for step in self.steps)

    @property
    def name(self) -> str:
        """A short name for file names: r1-fastapi-uvicorn-mixed-u32, r2-flask-...-readonly-db."""
        if len(self.steps) == 1:
            what = f"{self.steps[0].scenario}-{self.steps[0].point.label}"
        else:
            what = ("all" if self.writes else "readonly") + ("-db" if self.proxied else "")
        return f"r{self.round}-{self.impl}-{self.variant}-{what}"


@dataclass(frozen=True)
class Visit:
    """One implementation's turn in a round: its sessions, variant by variant."""

    impl: str
    position: int
    sessions: tuple[Session, ...]


@dataclass(frozen=True)
class Round:
    """The implementations in this round's order, and the extended groups measured in it."""

    number: int
    visits: tuple[Visit, ...]
    groups: tuple[str, ...] = ()

    @property
    def order(self) -> list[str]:
        """The implementations in the order this round visits them."""
        return [visit.impl for visit in self.visits]


@dataclass(frozen=True)
class Estimate:
    """The planned duration, part by part: (what, how many, seconds)."""

    parts: tuple[tuple[str, int, float], ...]

    @property
    def total(self) -> float:
        """Seconds in all."""
        return sum(seconds for _, _, seconds in self.parts)


@dataclass(frozen=True)
class Plan:
    """The rounds of a run, and what they cost."""

    settings: Settings
    rounds: tuple[Round, ...]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def sessions(self) -> list[Session]:
        """Every session, in the order the run starts them (extensions not included)."""
        return [s for rnd in self.rounds for visit in rnd.visits for s in visit.sessions]

    @property
    def steps(self) -> list[Step]:
        """Every planned step (one measured window each)."""
        return [step for session in self.sessions for step in session.steps]

    @property
    def windows(self) -> int:
        """How many measured windows the plan has, before the sweep's extension."""
        return len(self.steps)

    @property
    def impls(self) -> list[str]:
        """The implementations the plan benchmarks, in order."""
        return list(dict.fromkeys(s.impl for s in self.sessions))

    @property
    def servers(self) -> list[tuple[str, str]]:
        """Every implementation and variant measured, in the order first met."""
        return list(dict.fromkeys((s.impl, s.variant) for s in self.sessions))

    def swept(self) -> list[tuple[str, str, str]]:
        """(impl, variant, scenario) of every adaptive sweep."""
        found = [
            (s.impl, s.variant, step.scenario)
            for s in self.sessions
            for step in s.steps
            if step.extends
        ]
        return list(dict.fromkeys(found))

    def estimate(self, wrk: bool) -> Estimate:
        """Seconds the run should take on the 2-core machine (printed up front)."""
        s = self.settings
        steps = self.steps
        sessions = self.sessions
        windows = sum(window_seconds(s, step.point) for step in steps)
        audits = sum(SCENARIOS[step.scenario].writes for step in steps)
        checks = sum(step.cross_check for step in steps) if wrk else 0
        proxied = sum(session.proxied for session in sessions)
        servers = len(self.servers)
        extension = expected_extensions(s) * len(self.swept()) * s.rounds
        per_extension = (
            window_seconds(s, LoadPoint(CLOSED, s.peak_users)) + SESSION_OVERHEAD + AUDIT_OVERHEAD
        )
        reference = 2 * s.reference_seconds + REFERENCE_OVERHEAD
        parts = (
            ("measured windows (warm-up + window + Locust start and stop)", len(steps), windows),
            (
                f"sweep extension (assumed: {expected_extensions(s)} more level per sweep)",
                extension,
                extension * per_extension,
            ),
            ("server sessions", len(sessions), len(sessions) * SESSION_OVERHEAD),
            ("database-latency proxies", proxied, proxied * PROXY_OVERHEAD),
            ("seeding", len(self.impls), len(self.impls) * SEEDING),
            ("audits after write windows", audits, audits * AUDIT_OVERHEAD),
            ("wrk cross-checks", checks, checks * (s.wrk_duration + WRK_OVERHEAD)),
            (
                "slow-client probes",
                servers if s.slow_hold else 0,
                servers * (s.slow_hold + SLOW_CLIENTS_OVERHEAD) if s.slow_hold else 0.0,
            ),
            ("drift references", len(self.rounds), len(self.rounds) * reference),
            (
                "round-trip counts (one server per variant, through the proxy)",
                servers if s.round_trips else 0,
                servers * ROUND_TRIPS_SECONDS if s.round_trips else 0.0,
            ),
            ("start and finish", 1, RUN_OVERHEAD),
        )
        return Estimate(tuple((what, n, round(sec, 1)) for what, n, sec in parts))


def expected_extensions(settings: Settings) -> int:
    """Levels a sweep is assumed to add, as many as the cap allows up to EXPECTED_EXTENSIONS."""
    level, added = max(settings.users), 0
    while added < EXPECTED_EXTENSIONS and level * 2 <= settings.sweep_cap:
        level, added = level * 2, added + 1
    return added


def warmup_seconds(settings: Settings, point: LoadPoint) -> float:
    """Unmeasured seconds before a window: the warm-up, and round trips at the database delay."""
    return settings.warmup + WARMUP_ROUND_TRIPS * point.db_latency_ms / 1000


def window_seconds(settings: Settings, point: LoadPoint) -> float:
    """Wall seconds of one Locust window: warm-up, measured window, start and stop."""
    overhead = LOCUST_OVERHEAD_SHORT if settings.duration < SHORT_WINDOW else LOCUST_OVERHEAD
    return warmup_seconds(settings, point) + settings.duration + overhead


def load_points(settings: Settings, scenario: str) -> list[LoadPoint]:
    """The load points of a scenario: fixed load first (on the freshest database), then users."""
    swept = settings.sweep_all or scenario in SWEPT_SCENARIOS
    levels = settings.users if swept else (settings.peak_users,)
    points = [LoadPoint(CLOSED, users) for users in sorted(set(levels))]
    if swept:
        points.insert(0, LoadPoint(FIXED, settings.fixed_users, settings.offered_rps))
    return points


def _peak_point(points: list[LoadPoint], peak_users: int) -> LoadPoint | None:
    closed = [p for p in points if p.model == CLOSED]
    return min(closed, key=lambda p: abs(p.users - peak_users)) if closed else None


def full_steps(settings: Settings) -> list[Step]:
    """A fully measured variant's steps without added latency, cross-checks at the peaks."""
    steps = []
    for scenario in settings.scenarios:
        points = load_points(settings, scenario)
        peak = _peak_point(points, settings.peak_users)
        swept = settings.sweep_all or scenario in SWEPT_SCENARIOS
        last = max((p for p in points if p.model == CLOSED), key=lambda p: p.users)
        steps += [
            Step(scenario, p, cross_check=p == peak, extends=swept and p == last) for p in points
        ]
    return steps


def peak_steps(settings: Settings, db_latency_ms: float = 0.0) -> list[Step]:
    """A variant's peak points: read and the mix at the peak users level."""
    return [
        Step(scenario, LoadPoint(CLOSED, settings.peak_users, db_latency_ms=db_latency_ms))
        for scenario in PEAK_SCENARIOS
        if scenario in settings.scenarios
    ]


@dataclass(frozen=True)
class Group:
    """Extended points measured together in one round: the steps of each variant."""

    name: str
    steps: dict[tuple[str, str], tuple[Step, ...]]

    def seconds(self, settings: Settings) -> float:
        """What the group adds to its round (windows, and sessions of write steps)."""
        total = 0.0
        for steps in self.steps.values():
            for step in steps:
                total += window_seconds(settings, step.point)
                if SCENARIOS[step.scenario].writes:
                    total += SESSION_OVERHEAD + AUDIT_OVERHEAD
            total += (
                SESSION_OVERHEAD if any(not SCENARIOS[s.scenario].writes for s in steps) else 0.0
            )
        return total


def _variants(settings: Settings, impl: str) -> list[str]:
    found = registry.get(impl).variants
    if settings.variants == "default":
        found = found[:1]
    return [v.name for v in found]


def fully_measured(settings: Settings, impl: str, variant: str) -> bool:
    """True when a variant gets the whole plan, not only its peak points."""
    return settings.variants == "all" or variant == registry.get(impl).default_variant.name


def latency_groups(settings: Settings, impls: list[str]) -> list[Group]:
    """The database-latency levels, one group each (and one user at 0 ms), as dealt to rounds."""
    levels = sorted({ms for ms in settings.db_latency if ms > 0})
    if not levels:
        return []
    one_user = ONE_USER_SCENARIO in settings.scenarios
    groups = []
    for ms in [0.0, *levels]:
        steps: dict[tuple[str, str], tuple[Step, ...]] = {}
        for impl in impls:
            for variant in _variants(settings, impl):
                found: list[Step] = []
                full = fully_measured(settings, impl, variant)
                if full and one_user:
                    found.append(Step(ONE_USER_SCENARIO, LoadPoint(CLOSED, 1, db_latency_ms=ms)))
                if ms >= SLOW_DATABASE_MS and "read" in settings.scenarios:
                    found.append(
                        Step("read", LoadPoint(CLOSED, settings.peak_users, db_latency_ms=ms))
                    )
                elif ms and full:
                    found += peak_steps(settings, ms)
                if found:
                    steps[(impl, variant)] = tuple(found)
        name = f"database +{ms:g} ms" if ms else "one user, database direct"
        if steps:
            groups.append(Group(name, steps))
    return groups


def variant_groups(settings: Settings, impls: list[str]) -> list[Group]:
    """In the default scope, each implementation's other variants at their peak points."""
    if settings.variants != "peak":
        return []
    groups = []
    for impl in impls:
        others = [v for v in _variants(settings, impl) if not fully_measured(settings, impl, v)]
        steps = {(impl, v): tuple(peak_steps(settings)) for v in others}
        steps = {key: found for key, found in steps.items() if found}
        if steps:
            groups.append(Group(f"{impl} variants", steps))
    return groups


def deal(groups: list[Group], rounds: int, settings: Settings) -> dict[int, list[Group]]:
    """Each group to one round: largest first, to the round with the least time dealt so far."""
    dealt: dict[int, list[Group]] = {r: [] for r in range(1, rounds + 1)}
    if settings.every_round:
        return {r: list(groups) for r in dealt}
    load = dict.fromkeys(dealt, 0.0)
    for group in sorted(groups, key=lambda g: -g.seconds(settings)):
        target = min(load, key=lambda r: (load[r], r))
        dealt[target].append(group)
        load[target] += group.seconds(settings)
    return {r: sorted(found, key=groups.index) for r, found in dealt.items()}


def rotate(items: list[str], round_number: int) -> list[str]:
    """Round n starts n - 1 places further along: over len(items) rounds, every item takes
    every position once."""
    if not items:
        return []
    k = (round_number - 1) % len(items)
    return items[k:] + items[:k]


def _order(step: Step) -> tuple:
    point = step.point
    return (point.model != FIXED, point.users, SCENARIOS[step.scenario].writes)


def sessions_for(
    settings: Settings, impl: str, variant: str, round_number: int, steps: Iterable[Step]
) -> list[Session]:
    """The sessions of one variant in one round.

    Read-only steps share one server and database (they cannot change it): one reaching the
    database directly, and one through the latency proxy whose delay is switched from level to
    level. Every write step gets a server of its own on a fresh copy, so each starts from the
    same seeded rows (unless shared_server, as in --quick).
    """
    steps = list(steps)
    direct = [s for s in steps if not s.point.db_latency_ms]
    proxied = sorted(
        (s for s in steps if s.point.db_latency_ms), key=lambda s: (s.point.db_latency_ms,)
    )
    groups: list[list[Step]] = []
    for found in (direct, proxied):
        reads = [s for s in found if not SCENARIOS[s.scenario].writes]
        writes = [s for s in found if SCENARIOS[s.scenario].writes]
        if settings.shared_server:
            groups.append(reads + writes)
        else:
            groups += [reads, *([w] for w in writes)]
    return [Session(impl, variant, round_number, tuple(g)) for g in groups if g]


def build(settings: Settings, available: dict[str, str | None]) -> Plan:
    """The plan for these settings; `available` maps each implementation to why it cannot run."""
    skipped = {name: why for name, why in available.items() if why and name in settings.impls}
    impls = [name for name in settings.impls if name not in skipped]
    core = {
        (impl, variant): full_steps(settings)
        for impl in impls
        for variant in _variants(settings, impl)
        if fully_measured(settings, impl, variant)
    }
    groups = latency_groups(settings, impls) + variant_groups(settings, impls)
    dealt = deal(groups, settings.rounds, settings)
    rounds = []
    for number in range(1, settings.rounds + 1):
        visits = []
        for position, impl in enumerate(rotate(impls, number), 1):
            sessions: list[Session] = []
            for variant in rotate(_variants(settings, impl), number):
                steps = list(core.get((impl, variant), []))
                for group in dealt[number]:
                    steps += group.steps.get((impl, variant), ())
                sessions += sessions_for(settings, impl, variant, number, steps)
            if sessions:
                visits.append(Visit(impl, position, tuple(sessions)))
        rounds.append(Round(number, tuple(visits), tuple(g.name for g in dealt[number])))
    return Plan(settings=settings, rounds=tuple(rounds), skipped=skipped)


def _points(steps: Iterable[Step]) -> str:
    return ", ".join(dict.fromkeys(f"{s.scenario} {s.point.label}" for s in steps))


def describe(plan: Plan, wrk: bool) -> list[str]:
    """Human-readable lines: what runs in each round, and the planned duration part by part."""
    s = plan.settings
    lines = []
    for impl in plan.impls:
        variants = [v for i, v in plan.servers if i == impl]
        lines.append(f"{impl}: {', '.join(variants)}")
    lines.append(f"every round, each fully measured variant: {_points(full_steps(s))}")
    for rnd in plan.rounds:
        extra = f"; also {', '.join(rnd.groups)}" if rnd.groups else ""
        lines.append(f"round {rnd.number}: {' -> '.join(rnd.order)}{extra}")
    if s.rounds > 1 and s.rounds % max(len(plan.impls), 1):
        lines.append(
            f"note: {s.rounds} rounds of {len(plan.impls)} implementations: not every one takes "
            "every position equally often (use a multiple of the number of implementations)"
        )
    for group in latency_groups(s, plan.impls) + variant_groups(s, plan.impls):
        for (impl, variant), steps in group.steps.items():
            lines.append(f"  {group.name}: {impl}/{variant}: {_points(steps)}")
    for name, why in plan.skipped.items():
        lines.append(f"{name}: skipped ({why})")
    estimate = plan.estimate(wrk)
    for what, count, seconds in estimate.parts:
        if count:
            lines.append(f"  {what}: {count} -> {seconds:,.0f} s")
    lines.append(
        f"{len(plan.sessions)} server sessions, {plan.windows} windows of {s.warmup:g} s warm-up "
        f"+ {s.duration} s measured in {s.rounds} round(s); wrk cross-check "
        f"{'on' if wrk else 'off'}; planned duration about {estimate.total / 60:.1f} min "
        f"({estimate.total:,.0f} s)"
    )
    return lines

"""What a benchmark run measures: scenarios, load points, server sessions, and how long it takes.

The default plan fits a full run of the three implementations on PostgreSQL into about 30 minutes on
a 2-core machine without shortening the 20 s window or the 3 repeats; README.md gives the rules
and the arithmetic, and `taskbench bench --dry-run` prints the plan of any set of options.
"""

from __future__ import annotations

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

# Seconds the run spends outside measured windows, measured on the 2-core machine; they only
# feed the duration printed before a run starts. Seeding copies rows with SQL, so its cost
# hardly depends on --seed-rows.
LOCUST_START_STOP = 2.0
SESSION_OVERHEAD = 5.0
SEEDING = 8.0
AUDIT_OVERHEAD = 1.0
SLOW_CLIENTS_OVERHEAD = 2.0


@dataclass(frozen=True)
class Settings:
    """Every option of a run that shapes what is measured."""

    impls: tuple[str, ...] = tuple(registry.IMPLEMENTATIONS)
    all_variants: bool = False
    scenarios: tuple[str, ...] = DEFAULT_SCENARIOS
    users: tuple[int, ...] = (1, 8, 32, 128)
    peak_users: int = 32
    sweep_all: bool = False
    offered_rps: float = 100.0
    fixed_users: int = 20
    duration: int = 20
    repeats: int = 3
    warmup: int = 3
    seed_rows: int = 10_000
    wrk_duration: int = 10
    # Seconds that slow clients hold connections after each server variant's first session
    # (benchmarks/slowclients.py); 0 leaves the probe out.
    slow_hold: int = 10
    # One server per variant for every scenario, instead of a fresh one per write load point.
    shared_server: bool = False


QUICK = {
    "scenarios": tuple(SCENARIOS),
    "users": (32,),
    "duration": 3,
    "repeats": 1,
    "warmup": 1,
    "seed_rows": 1_000,
    "wrk_duration": 2,
    "slow_hold": 3,
    "shared_server": True,
}
EXHAUSTIVE = {"all_variants": True, "scenarios": tuple(SCENARIOS), "sweep_all": True}


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

    @property
    def rate_per_user(self) -> float:
        """constant_throughput of each user; 0 means no pacing (closed loop)."""
        return self.offered_rps / self.users if self.offered_rps else 0.0

    @property
    def description(self) -> str:
        """How the display writes it: `32 users` or `200 req/s offered`."""
        if self.model == FIXED:
            return f"{self.offered_rps:g} req/s offered"
        return f"{self.users} users"

    @property
    def label(self) -> str:
        """A short name used in file names: u32, fixed200rps."""
        if self.model == FIXED:
            return f"fixed{self.offered_rps:g}rps"
        return f"u{self.users}"


@dataclass(frozen=True)
class Step:
    """One scenario at one load point: `repeats` measured windows."""

    scenario: str
    point: LoadPoint
    cross_check: bool = False


@dataclass(frozen=True)
class Session:
    """One server started on a fresh copy of the seeded database, and what runs against it."""

    impl: str
    variant: str
    steps: tuple[Step, ...]

    @property
    def name(self) -> str:
        """A short name for file names: fastapi-uvicorn-mixed-u32."""
        if len(self.steps) == 1:
            what = f"{self.steps[0].scenario}-{self.steps[0].point.label}"
        else:
            writes = any(SCENARIOS[step.scenario].writes for step in self.steps)
            what = "all" if writes else "readonly"
        return f"{self.impl}-{self.variant}-{what}"


@dataclass(frozen=True)
class Plan:
    """The sessions of a run, in order, and what they cost."""

    settings: Settings
    sessions: tuple[Session, ...]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def windows(self) -> int:
        """How many measured windows the run has."""
        return sum(len(s.steps) for s in self.sessions) * self.settings.repeats

    @property
    def impls(self) -> list[str]:
        """The implementations the plan benchmarks, in order."""
        return list(dict.fromkeys(s.impl for s in self.sessions))

    def estimate(self, wrk: bool) -> float:
        """Seconds the run should take on the 2-core machine (an estimate, printed up front)."""
        s = self.settings
        per_window = s.warmup + s.duration + LOCUST_START_STOP
        audits = s.repeats * sum(
            SCENARIOS[step.scenario].writes for session in self.sessions for step in session.steps
        )
        checks = sum(step.cross_check for session in self.sessions for step in session.steps)
        servers = len({(session.impl, session.variant) for session in self.sessions})
        slow = servers * (s.slow_hold + SLOW_CLIENTS_OVERHEAD) if s.slow_hold else 0.0
        return (
            len(self.impls) * SEEDING
            + len(self.sessions) * SESSION_OVERHEAD
            + self.windows * per_window
            + audits * AUDIT_OVERHEAD
            + (checks * (s.wrk_duration + 1.0) if wrk else 0.0)
            + slow
        )


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


def _steps(settings: Settings, scenario: str) -> list[Step]:
    points = load_points(settings, scenario)
    peak = _peak_point(points, settings.peak_users)
    return [Step(scenario, p, cross_check=p == peak) for p in points]


def build(settings: Settings, available: dict[str, str | None]) -> Plan:
    """The plan for these settings; `available` maps each implementation to why it cannot run.

    Read-only scenarios of a variant share one server and database, since they cannot change
    it; every load point of a write scenario gets a server of its own on a fresh copy, so each
    starts from the same seeded rows (unless shared_server, as in --quick).
    """
    sessions: list[Session] = []
    skipped = {name: why for name, why in available.items() if why and name in settings.impls}
    for name in settings.impls:
        if name in skipped:
            continue
        impl = registry.get(name)
        variants = impl.variants if settings.all_variants else (impl.default_variant,)
        for variant in variants:
            reads: list[Step] = []
            writes: list[Step] = []
            for scenario in settings.scenarios:
                (writes if SCENARIOS[scenario].writes else reads).extend(_steps(settings, scenario))
            if settings.shared_server:
                groups = [reads + writes]
            else:
                groups = [reads, *([step] for step in writes)]
            sessions.extend(Session(name, variant.name, tuple(g)) for g in groups if g)
    return Plan(settings=settings, sessions=tuple(sessions), skipped=skipped)


def describe(plan: Plan, wrk: bool) -> list[str]:
    """Human-readable lines: what runs, how many windows, and the planned duration."""
    s = plan.settings
    lines = []
    for impl in plan.impls:
        variants = list(dict.fromkeys(x.variant for x in plan.sessions if x.impl == impl))
        lines.append(f"{impl}: {', '.join(variants)}")
    for scenario in s.scenarios:
        points = ", ".join(p.label for p in load_points(s, scenario))
        lines.append(f"  {scenario}: {points}")
    for name, why in plan.skipped.items():
        lines.append(f"{name}: skipped ({why})")
    seconds = plan.estimate(wrk)
    lines.append(
        f"{len(plan.sessions)} server sessions, {plan.windows} windows of {s.warmup} s warm-up + "
        f"{s.duration} s measured, {s.repeats} repeat(s); wrk cross-check "
        f"{'on' if wrk else 'off'}; planned duration about {seconds / 60:.1f} min"
    )
    return lines

"""Claims the popular framework-comparison articles make, checked against this run.

Each claim is decided by an explicit rule over the figures, written next to it, so a verdict
can be traced and argued with. A claim whose figures are missing is 'not measured'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reports import fmt, measures, ranges, slow_database
from reports.facts.model import Facts
from reports.ranges import At
from reports.results import Point, Run, Server

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
DEPENDS = "depends"
NOT_MEASURED = "not measured"
TEN_THOUSAND = 10_000
NEGLIGIBLE = 1.25  # fastest / slowest at most this: the framework hardly matters
MATTERS = 1.5  # above this: it clearly does
CLEAR_MARGIN = 0.10
FRAMEWORK_CPU = "framework CPU"


@dataclass(frozen=True)
class Verdict:
    """A claim, what this run measured, and the verdict with its rule."""

    claim: str
    measured: str
    verdict: str
    rule: str


def _measured(run: Run) -> list[Server]:
    return [s for s in run.defaults() if s.measured]


def over_range(
    run: Run, scenarios: list[str], rule: Callable[[dict[str, Point]], str | None]
) -> dict[str, list[At]]:
    """A per-point rule at every closed-loop load point (0 ms added) of each scenario, and at
    each database latency's peak, by range name (`mixed`, `mixed by database latency`)."""
    found = {}
    for scenario in scenarios:
        found[scenario] = ranges.over_load(run, scenario, rule)
        by_db = ranges.over_db(run, scenario, rule)
        if len(by_db) > 1:
            found[f"{scenario} by database latency"] = by_db
    return {name: ats for name, ats in found.items() if ranges.answers(ats)}


def range_verdict(found: dict[str, list[At]]) -> str:
    """Supported when the rule holds at every point, not supported when nowhere; otherwise
    depends, saying where the answer changes (`mixed: supported up to 8 users, not from 32`)."""
    seen = set().union(*(ranges.answers(ats) for ats in found.values()))
    if seen == {SUPPORTED}:
        return SUPPORTED
    if seen == {NOT_SUPPORTED}:
        return NOT_SUPPORTED
    if len(seen) == 1:
        return f"{DEPENDS}: {next(iter(seen))} at every point"
    parts = [f"{name}: {ranges.where(ats)}" for name, ats in found.items() if ranges.changes(ats)]
    by_answer: dict[str, list[str]] = {}
    for name, ats in found.items():
        if not ranges.changes(ats):
            by_answer.setdefault(next(iter(ranges.answers(ats))), []).append(name)
    parts += [f"{answer} in {', '.join(names)}" for answer, names in by_answer.items()]
    return f"{DEPENDS}: " + "; ".join(parts)


def range_measured(found: dict[str, list[At]]) -> str:
    """Where the rule held, range by range."""
    return "; ".join(f"{name}: {ranges.where(ats)}" for name, ats in found.items()) + "."


def fastapi_10k(run: Run, facts: Facts) -> Verdict:
    """'FastAPI handles 10,000+ requests per second.'"""
    claim = "FastAPI handles 10,000+ requests per second."
    rule = (
        "Supported if FastAPI's median peak reaches 10,000 req/s in a scenario that uses the "
        "database (at every database latency measured, else depends, saying where); depends if "
        "only the framework floor (GET /health) does; not measured if the highest figure was "
        "client-bound and below 10,000; otherwise not supported."
    )
    server = run.server("fastapi")
    peaks = {
        s: m for s in run.scenarios if server and (m := measures.throughput(server, s)) is not None
    }
    if not peaks:
        return Verdict(claim, "FastAPI was not measured.", NOT_MEASURED, rule)
    best = max(peaks, key=lambda s: peaks[s].value)
    cores = len(run.cpus.get("server", [])) or "?"
    measured = (
        f"Highest: {fmt.number(peaks[best].value, 'req/s')} ({best}) on {cores} server core(s); "
        + ", ".join(f"{s} {fmt.number(m.value, 'req/s')}" for s, m in peaks.items())
        + "."
    )
    database = [s for s in measures.database_scenarios(run) if s in peaks]
    if any(peaks[s].value >= TEN_THOUSAND for s in database):
        by_db = _10k_by_db(run, server, database)  # type: ignore[arg-type]
        if ranges.changes(by_db):
            return Verdict(claim, measured, f"{DEPENDS}: {ranges.where(by_db)}", rule)
        return Verdict(claim, measured, SUPPORTED, rule)
    if peaks.get(measures.FLOOR) and peaks[measures.FLOOR].value >= TEN_THOUSAND:
        return Verdict(claim, measured, DEPENDS + ": only without the database", rule)
    if peaks[best].client_bound:
        return Verdict(claim, measured + " The load generator was the limit.", NOT_MEASURED, rule)
    return Verdict(claim, measured, NOT_SUPPORTED + " on this machine", rule)


def _10k_by_db(run: Run, server: Server, scenarios: list[str]) -> list[At]:
    """At each database latency: does a database scenario's peak reach 10,000 req/s?"""

    def reached(db_ms: float) -> str | None:
        peaks = [p for s in scenarios if (p := server.peak(s, db_ms))]
        if not peaks:
            return None
        best = max(p.throughput.median for p in peaks)
        return SUPPORTED if best >= TEN_THOUSAND else NOT_SUPPORTED

    return ranges.decide(run.db_levels, ranges.db_label, reached)


def _clear_lead(points: dict[str, Point], impl: str = "fastapi") -> str | None:
    """At one load point: does impl's slowest round beat every other's fastest by CLEAR_MARGIN?"""
    mine = points.get(impl)
    others = [p for i, p in points.items() if i != impl]
    if mine is None or not others:
        return None
    best_other = max(p.throughput.high for p in others)
    lead = not mine.client_bound and mine.throughput.low > best_other * (1 + CLEAR_MARGIN)
    return SUPPORTED if lead else NOT_SUPPORTED


def fastapi_leads(run: Run, facts: Facts) -> Verdict:
    """'FastAPI clearly leads in performance.'"""
    claim = "FastAPI clearly leads in performance."
    rule = (
        "A clear lead at a load point: FastAPI's slowest round is more than 10% above every "
        "other framework's fastest round, and not client-bound. Decided at every closed-loop "
        "load point of every scenario, and at each database latency's peak. Supported if it "
        "leads clearly at every point; not supported if at none; otherwise depends, saying where."
    )
    found = over_range(run, run.scenarios, _clear_lead)
    if "fastapi" not in {s.impl for s in _measured(run)} or not found:
        return Verdict(claim, "Not every framework was measured.", NOT_MEASURED, rule)
    return Verdict(
        claim, "A clear lead, by range: " + range_measured(found), range_verdict(found), rule
    )


def _spread_ratio(values: dict[str, float]) -> float | None:
    """Largest over smallest of some figures; None without two, or with a zero."""
    if len(values) < 2 or not min(values.values()):
        return None
    return max(values.values()) / min(values.values())


def _trips(count: int | None) -> str:
    return "" if count is None else f" ({count} round trip{'s' if count != 1 else ''})"


def _cost(ratio: float) -> str:
    if ratio <= NEGLIGIBLE:
        return "negligible"
    return "matters" if ratio > MATTERS else "small"


def overhead_negligible(run: Run, facts: Facts) -> Verdict:
    """'Framework overhead is negligible once the database takes 100 ms.'"""
    claim = (
        "For a CRUD app whose database takes 100 ms, the framework's overhead (1 ms vs 5 ms) "
        "is negligible."
    )
    slow = f"{slow_database.SLOW_MS:g} ms"
    rule = (
        f"Decided with {slow} added to every database round trip, default variants, on three "
        "costs kept apart, each as the ratio it makes between the frameworks: (1) the "
        "framework's own CPU: server CPU per request with no latency added, its difference "
        f"between the frameworks set against one user's time per request at {slow} "
        "(1 + difference / fastest p50); (2) the stack's round trips: one user's p50 at "
        f"{slow}, which is about round trips x {slow} (slowest / fastest); (3) concurrency: "
        f"read throughput at the peak users level at {slow} (highest / lowest). A cost is "
        f"negligible at most {NEGLIGIBLE:g}x and matters above {MATTERS:g}x; the one with the "
        "largest ratio dominates. Supported if all three are negligible; not supported if any "
        "matters; depends otherwise."
    )
    servers = _measured(run)
    level = slow_database.SLOW_MS
    cpu = {s.impl: m.value for s in servers if (m := slow_database.cpu_ms_per_request(run, s))}
    single = {s.impl: m.value for s in servers if (m := slow_database.one_user(run, s, level))}
    capacity = {s.impl: m.value for s in servers if (m := slow_database.capacity(run, s, level))}
    if run.database.get("kind") != "postgresql" or len(single) < 2 or len(capacity) < 2:
        return Verdict(
            claim,
            f"No {slow} level was measured for every framework on PostgreSQL "
            "(taskbench bench --db-latency 0,1,10,100).",
            NOT_MEASURED,
            rule,
        )
    fastest = min(single.values())
    costs = {
        FRAMEWORK_CPU: 1 + (max(cpu.values()) - min(cpu.values())) / fastest
        if len(cpu) >= 2 else 1.0,
        "round-trip time": _spread_ratio(single) or 1.0,
        "concurrency": _spread_ratio(capacity) or 1.0,
    }  # fmt: skip
    trips = {s.impl: slow_database.round_trips(s) for s in servers}
    users = slow_database.peak_users(run)
    measured = (
        "CPU per request with no latency added: "
        + ", ".join(f"{run.title(i)} {fmt.number(v, 'ms')}" for i, v in cpu.items())
        + f"; one user's p50 at {slow}: "
        + ", ".join(
            f"{run.title(i)} {fmt.number(v, 'ms')}"
            + (
                f" ({n} round trip{'s' if n != 1 else ''})"
                if (n := trips.get(i)) is not None
                else ""
            )
            for i, v in single.items()
        )
        + f"; reads at {users} users at {slow}: "
        + ", ".join(f"{run.title(i)} {fmt.number(v, 'req/s')}" for i, v in capacity.items())
        + ". Ratios: "
        + ", ".join(f"{name} {r:.2f}x ({_cost(r)})" for name, r in costs.items())
        + "."
    )
    dominant = max(costs, key=costs.__getitem__)
    if all(r <= NEGLIGIBLE for r in costs.values()):
        return Verdict(claim, measured, SUPPORTED + ": no cost dominates", rule)
    own = costs[FRAMEWORK_CPU]
    cpu_note = "" if dominant == FRAMEWORK_CPU else f"; framework CPU is {_cost(own)}"
    if any(r > MATTERS for r in costs.values()):
        return Verdict(claim, measured, f"{NOT_SUPPORTED}: {dominant} dominates{cpu_note}", rule)
    return Verdict(claim, measured, f"{DEPENDS}: {dominant} dominates{cpu_note}", rule)


def async_slow_queries(run: Run, facts: Facts) -> Verdict:
    """'An async framework serves more concurrent slow queries.'"""
    claim = "An async framework serves more concurrent slow queries."
    slow = f"{slow_database.SLOW_MS:g} ms"
    users = slow_database.peak_users(run)
    rule = (
        f"Capacity with {slow} added to every database round trip: read throughput at the peak "
        "users level, every variant. An async variant runs an event loop (its worker model is "
        "async: uvicorn, gunicorn with uvicorn workers, DRF under ASGI); the others are sync or "
        "threaded. Supported if the best async variant's range across rounds lies above the "
        "best other's; not supported if below; depends (a tie: within the noise of this run) "
        "if the ranges overlap."
    )
    found = [
        (s, m)
        for s in run.servers
        if (m := slow_database.capacity(run, s, slow_database.SLOW_MS)) is not None
    ]
    loops = [(s, m) for s, m in found if slow_database.is_async(s)]
    others = [(s, m) for s, m in found if not slow_database.is_async(s)]
    if run.database.get("kind") != "postgresql" or not loops or not others:
        return Verdict(
            claim,
            f"Reads at {slow} were not measured for async and sync variants alike.",
            NOT_MEASURED,
            rule,
        )
    best_async, a = max(loops, key=lambda found: found[1].value)
    best_other, o = max(others, key=lambda found: found[1].value)

    def named(server: Server) -> str:
        return f"{server.title} ({server.variant})"

    measured = (
        f"Reads at {users} users at {slow}: best async {named(best_async)} "
        f"{fmt.number(a.value, 'req/s')}, best sync or threaded {named(best_other)} "
        f"{fmt.number(o.value, 'req/s')}; every variant: "
        + ", ".join(f"{named(s)} {fmt.number(m.value, 'req/s')}" for s, m in found)
        + "."
    )
    if a.spread.overlaps(o.spread):
        return Verdict(claim, measured, f"{DEPENDS}: a tie, within the noise of this run", rule)
    if a.value > o.value:
        return Verdict(claim, measured, SUPPORTED, rule)
    return Verdict(claim, measured, NOT_SUPPORTED, rule)


VALIDATION_LIBRARIES = ("marshmallow", "pydantic", "webargs", "djangorestframework")
VALIDATION_RULES = ("strict-types", "unknown-fields", "title-rules", "query-parameters")


def flask_manual_validation(run: Run, facts: Facts) -> Verdict:
    """'Flask needs manual validation.'"""
    claim = "Flask needs manual validation."
    rule = (
        "Supported if the Flask implementation's dependencies include no validation library; "
        "otherwise depends (on that extension): validation is declared in its schemas. The "
        "figures compare the schema code and the custom validation pieces each needed."
    )
    flask = facts.installed("flask")
    packages = flask.names if flask else set()
    pieces = {
        impl: sum(e.rule in VALIDATION_RULES for e in found)
        for impl in run.impls
        if (found := facts.adjustments(impl)) is not None
    }
    schema_lines = {
        impl: found.sloc("schemas") for impl in run.impls if (found := facts.code_of(impl))
    }
    if not packages or "flask" not in schema_lines:
        return Verdict(claim, "Flask's dependencies or code were not measured.", NOT_MEASURED, rule)
    libraries = [lib for lib in VALIDATION_LIBRARIES if lib in packages]
    measured = (
        "Schema / serializer lines: "
        + ", ".join(f"{run.title(i)} {n}" for i, n in schema_lines.items())
        + "; custom validation pieces beyond the library: "
        + ", ".join(f"{run.title(i)} {n}" for i, n in pieces.items())
        + (f"; Flask validates with {', '.join(libraries)}." if libraries else ".")
    )
    if not libraries:
        return Verdict(claim, measured, SUPPORTED, rule)
    return Verdict(claim, measured, f"{DEPENDS} on the extension ({', '.join(libraries)})", rule)


def _slowest(impl: str) -> Callable[[dict[str, Point]], str | None]:
    def rule(points: dict[str, Point]) -> str | None:
        if impl not in points:
            return None
        slowest = min(points, key=lambda i: points[i].throughput.median)
        return SUPPORTED if slowest == impl else NOT_SUPPORTED

    return rule


def drf_slowest(run: Run, facts: Facts) -> Verdict:
    """'Django REST Framework is the slowest of the three.'"""
    claim = "Django REST Framework is the slowest of the three."
    rule = (
        "By median throughput, at every closed-loop load point of every scenario and at each "
        "database latency's peak. Supported if DRF is slowest at every point; not supported if "
        "at none; otherwise depends, saying where."
    )
    found = over_range(run, run.scenarios, _slowest("django"))
    if "django" not in {s.impl for s in _measured(run)} or not found:
        return Verdict(claim, "Not every framework was measured.", NOT_MEASURED, rule)
    slowest: dict[str, str] = {}
    for scenario in run.scenarios:
        peaks = ranges.points_at(run, scenario, None)
        if peaks:
            slowest[scenario] = min(peaks, key=lambda i: peaks[i].throughput.median)
    measured = (
        "Slowest at the peak: "
        + ", ".join(f"{s} {run.title(i)}" for s, i in slowest.items())
        + ". DRF slowest, by range: "
        + range_measured(found)
    )
    return Verdict(claim, measured, range_verdict(found), rule)


WITHIN_NOISE = "within noise"


def _lowest_p99(points: dict[str, Point], impl: str = "fastapi") -> str | None:
    """At one load point: is impl's p99 the lowest, its range across rounds clear of others'?"""
    figures = {i: p.latency["p99"] for i, p in points.items() if "p99" in p.latency}
    mine = figures.pop(impl, None)
    if mine is None or not figures:
        return None
    if any(m.median < mine.median for m in figures.values()):
        return NOT_SUPPORTED
    if any(m.overlaps(mine) for m in figures.values()):
        return WITHIN_NOISE
    return SUPPORTED


def fastapi_latency(run: Run, facts: Facts) -> Verdict:
    """'Async FastAPI answers faster under load.'"""
    claim = "FastAPI, being async, answers faster under load."
    rule = (
        "p99 latency at the same fixed offered load, and at every closed-loop load point of "
        "every database scenario and each database latency's peak. At each point: FastAPI's p99 "
        "is lowest with its range across rounds clear of every other's (supported), another's "
        "is lower (not supported), or the ranges overlap (within noise). Supported if so at "
        "every point; not supported if at none; otherwise depends, saying where."
    )
    scenario = next(iter(measures.fixed_scenarios(run)), None)
    fixed = {s.impl: p for s in _measured(run) if scenario and (p := s.fixed(scenario)) is not None}
    found: dict[str, list[At]] = {}
    if scenario and "fastapi" in fixed and len(fixed) > 1:
        offered = run.settings.get("offered_rps", 0)
        found[f"fixed load ({scenario})"] = [At(f"{offered:g} req/s offered", _lowest_p99(fixed))]
    found.update(over_range(run, measures.database_scenarios(run), _lowest_p99))
    found = {name: ats for name, ats in found.items() if ranges.answers(ats)}
    if "fastapi" not in {s.impl for s in _measured(run)} or not found:
        return Verdict(claim, "No latency under load for every framework.", NOT_MEASURED, rule)
    measured = ""
    if scenario and "fastapi" in fixed and len(fixed) > 1:
        measured = (
            f"p99 at {run.settings.get('offered_rps', 0):g} req/s offered ({scenario}): "
            + ", ".join(
                f"{run.title(i)} {fmt.number(p.latency['p99'].median, 'ms')}"
                for i, p in fixed.items()
                if "p99" in p.latency
            )
            + ". "
        )
    measured += "FastAPI's p99 lowest, by range: " + range_measured(found)
    return Verdict(claim, measured, range_verdict(found), rule)


def django_heavyweight(run: Run, facts: Facts) -> Verdict:
    """'Django is heavyweight: more dependencies and more memory.'"""
    claim = "Django is heavyweight: it installs more and needs more memory."
    rule = (
        "Supported if DRF's extra is the largest installed and its workers the largest in "
        "memory; not supported if neither; depends if only one."
    )
    main = measures.main_scenario(run)
    sizes = {i: s.bytes / measures.MIB for i in run.impls if (s := facts.installed(i))}
    memory = {
        s.impl: m.value
        for s in _measured(run)
        if main and (m := measures.memory_per_worker(s, main))
    }
    if "django" not in sizes or "django" not in memory or len(sizes) < 2 or len(memory) < 2:
        return Verdict(claim, "Sizes or memory were not measured.", NOT_MEASURED, rule)
    measured = (
        "Installed: "
        + ", ".join(f"{run.title(i)} {fmt.number(v, 'MiB')}" for i, v in sizes.items())
        + "; per worker: "
        + ", ".join(f"{run.title(i)} {fmt.number(v, 'MiB')}" for i, v in memory.items())
        + "."
    )
    largest = [
        max(sizes, key=sizes.__getitem__) == "django",
        max(memory, key=memory.__getitem__) == "django",
    ]
    if all(largest):
        return Verdict(claim, measured, SUPPORTED, rule)
    if not any(largest):
        return Verdict(claim, measured, NOT_SUPPORTED, rule)
    what = "installed size" if largest[0] else "memory per worker"
    return Verdict(claim, measured, f"{DEPENDS}: only in {what}", rule)


def fastapi_less_code(run: Run, facts: Facts) -> Verdict:
    """'FastAPI needs less code.'"""
    claim = "FastAPI needs less code for the same API."
    rule = (
        "Source lines without migrations. Supported if FastAPI has the fewest by more than 10%; "
        "not supported if another has fewer; depends (within 10%) otherwise."
    )
    lines = {i: c.total.sloc for i in run.impls if (c := facts.code_of(i))}
    if "fastapi" not in lines or len(lines) < 2:
        return Verdict(claim, "Code was not measured.", NOT_MEASURED, rule)
    measured = ", ".join(f"{run.title(i)} {n} lines" for i, n in lines.items()) + "."
    mine = lines.pop("fastapi")
    fewest_other = min(lines.values())
    if fewest_other < mine:
        return Verdict(claim, measured, NOT_SUPPORTED, rule)
    if mine < fewest_other * (1 - CLEAR_MARGIN):
        return Verdict(claim, measured, SUPPORTED, rule)
    return Verdict(claim, measured, f"{DEPENDS}: within 10%", rule)


def fastapi_only_docs(run: Run, facts: Facts) -> Verdict:
    """'Automatic interactive API docs are FastAPI's advantage.'"""
    claim = "Automatic interactive API docs are an advantage only FastAPI has."
    rule = (
        "Supported if only FastAPI serves Swagger UI at /docs from an OpenAPI document generated "
        "from its code; not supported if the others do too (with the extension they use)."
    )
    served = {
        i: d.docs.status == 200 and d.docs.viewer == "Swagger UI" and d.openapi.status == 200
        for i in run.impls
        if (d := facts.docs_of(i))
    }
    if "fastapi" not in served or len(served) < 2:
        return Verdict(claim, "The docs pages were not probed.", NOT_MEASURED, rule)
    measured = (
        ", ".join(
            f"{run.title(i)} {'serves' if ok else 'does not serve'} Swagger UI"
            for i, ok in served.items()
        )
        + "."
    )
    others = [ok for i, ok in served.items() if i != "fastapi"]
    if served["fastapi"] and not any(others):
        return Verdict(claim, measured, SUPPORTED, rule)
    return Verdict(claim, measured, NOT_SUPPORTED, rule)


CLAIMS: tuple[Callable[[Run, Facts], Verdict], ...] = (
    fastapi_10k,
    fastapi_leads,
    overhead_negligible,
    async_slow_queries,
    drf_slowest,
    fastapi_latency,
    flask_manual_validation,
    django_heavyweight,
    fastapi_less_code,
    fastapi_only_docs,
)


def check_all(run: Run, facts: Facts) -> list[Verdict]:
    """Every claim's verdict, in the table's order."""
    return [check(run, facts) for check in CLAIMS]

"""Claims the popular framework-comparison articles make, checked against this run.

Each claim is decided by an explicit rule over the figures, written next to it, so a verdict
can be traced and argued with. A claim whose figures are missing is 'not measured'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reports import fmt, measures
from reports.facts.model import Facts
from reports.results import Run, Server

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
DEPENDS = "depends"
NOT_MEASURED = "not measured"
TEN_THOUSAND = 10_000
NEGLIGIBLE = 1.25  # fastest / slowest at most this: the framework hardly matters
MATTERS = 1.5  # above this: it clearly does
CLEAR_MARGIN = 0.10


@dataclass(frozen=True)
class Verdict:
    """A claim, what this run measured, and the verdict with its rule."""

    claim: str
    measured: str
    verdict: str
    rule: str


def _measured(run: Run) -> list[Server]:
    return [s for s in run.defaults() if s.measured]


def fastapi_10k(run: Run, facts: Facts) -> Verdict:
    """'FastAPI handles 10,000+ requests per second.'"""
    claim = "FastAPI handles 10,000+ requests per second."
    rule = (
        "Supported if FastAPI's median peak reaches 10,000 req/s in a scenario that uses the "
        "database; depends if only the framework floor (GET /health) does; not measured if the "
        "highest figure was client-bound and below 10,000; otherwise not supported."
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
        return Verdict(claim, measured, SUPPORTED, rule)
    if peaks.get(measures.FLOOR) and peaks[measures.FLOOR].value >= TEN_THOUSAND:
        return Verdict(claim, measured, DEPENDS + ": only without the database", rule)
    if peaks[best].client_bound:
        return Verdict(claim, measured + " The load generator was the limit.", NOT_MEASURED, rule)
    return Verdict(claim, measured, NOT_SUPPORTED + " on this machine", rule)


def _clear_lead(run: Run, impl: str, scenario: str) -> bool | None:
    """True if impl's slowest repeat beats every other's fastest by CLEAR_MARGIN."""
    own = run.server(impl)
    mine = measures.throughput(own, scenario) if own and own.measured else None
    others = [measures.throughput(s, scenario) for s in _measured(run) if s.impl != impl]
    if mine is None or not others or any(o is None for o in others):
        return None
    best_other = max(o.spread.high for o in others if o)
    return not mine.client_bound and mine.spread.low > best_other * (1 + CLEAR_MARGIN)


def fastapi_leads(run: Run, facts: Facts) -> Verdict:
    """'FastAPI clearly leads in performance.'"""
    claim = "FastAPI clearly leads in performance."
    rule = (
        "A clear lead in a scenario: FastAPI's slowest repeat is more than 10% above every other "
        "framework's fastest repeat, and not client-bound. Supported if it leads clearly in "
        "every scenario; not supported if in none; depends (on the scenario) otherwise."
    )
    leads = {s: _clear_lead(run, "fastapi", s) for s in run.scenarios}
    leads = {s: lead for s, lead in leads.items() if lead is not None}
    if not leads:
        return Verdict(claim, "Not every framework was measured.", NOT_MEASURED, rule)
    won = [s for s, lead in leads.items() if lead]
    measured = f"Clear lead in {len(won)} of {len(leads)} scenarios" + (
        f": {', '.join(won)}." if won else "."
    )
    if len(won) == len(leads):
        return Verdict(claim, measured, SUPPORTED, rule)
    if not won:
        return Verdict(claim, measured, NOT_SUPPORTED, rule)
    return Verdict(claim, measured, f"{DEPENDS} on the workload", rule)


def _ratio(run: Run, scenario: str) -> float | None:
    figures = [measures.throughput(s, scenario) for s in _measured(run)]
    values = [f.value for f in figures if f is not None]
    if len(values) < 2 or not min(values):
        return None
    return max(values) / min(values)


def overhead_negligible(run: Run, facts: Facts) -> Verdict:
    """'Framework overhead is negligible once the database takes the time.'"""
    claim = "Framework overhead is negligible once the database takes the time."
    rule = (
        f"Per database scenario, fastest / slowest framework's median peak. Supported if at "
        f"most {NEGLIGIBLE:g}x in every one; not supported if above {MATTERS:g}x in any; "
        "depends otherwise."
    )
    ratios = {s: r for s in measures.database_scenarios(run) if (r := _ratio(run, s))}
    if not ratios:
        return Verdict(claim, "No database scenario measured every framework.", NOT_MEASURED, rule)
    floor = _ratio(run, measures.FLOOR)
    database = run.database.get("kind", "the database")
    measured = (
        f"Fastest / slowest on {database}: "
        + ", ".join(f"{s} {r:.2f}x" for s, r in ratios.items())
        + (f" (framework floor {floor:.2f}x)." if floor else ".")
    )
    if all(r <= NEGLIGIBLE for r in ratios.values()):
        return Verdict(claim, measured, SUPPORTED, rule)
    if any(r > MATTERS for r in ratios.values()):
        return Verdict(claim, measured, NOT_SUPPORTED, rule)
    return Verdict(claim, measured, f"{DEPENDS} on the workload", rule)


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


def drf_slowest(run: Run, facts: Facts) -> Verdict:
    """'Django REST Framework is the slowest of the three.'"""
    claim = "Django REST Framework is the slowest of the three."
    rule = (
        "By median peak per scenario. Supported if DRF is slowest in every scenario; not "
        "supported if in none; depends (on the scenario) otherwise."
    )
    slowest: dict[str, str] = {}
    for scenario in run.scenarios:
        figures = {s.impl: measures.throughput(s, scenario) for s in _measured(run)}
        if len(figures) < 2 or any(f is None for f in figures.values()):
            continue
        slowest[scenario] = min(figures, key=lambda i: figures[i].value)  # type: ignore[union-attr]
    if "django" not in {s.impl for s in _measured(run)} or not slowest:
        return Verdict(claim, "Not every framework was measured.", NOT_MEASURED, rule)
    measured = "Slowest per scenario: " + ", ".join(
        f"{s} {run.title(i)}" for s, i in slowest.items()
    )
    lost = [s for s, impl in slowest.items() if impl == "django"]
    if len(lost) == len(slowest):
        return Verdict(claim, measured + ".", SUPPORTED, rule)
    if not lost:
        return Verdict(claim, measured + ".", NOT_SUPPORTED, rule)
    return Verdict(claim, measured + ".", f"{DEPENDS} on the workload", rule)


def fastapi_latency(run: Run, facts: Facts) -> Verdict:
    """'Async FastAPI answers faster under load.'"""
    claim = "FastAPI, being async, answers faster under load."
    rule = (
        "p99 latency at the same fixed offered load. Supported if FastAPI's is lowest and its "
        "range across repeats overlaps no other's; not supported if another's is lower; depends "
        "(on the run: within noise) if the ranges overlap."
    )
    scenario = next(iter(measures.fixed_scenarios(run)), None)
    figures = {
        s.impl: m
        for s in _measured(run)
        if scenario and (m := measures.p99_at_fixed_load(s, scenario))
    }
    if "fastapi" not in figures or len(figures) < 2:
        return Verdict(claim, "No fixed-load latency for every framework.", NOT_MEASURED, rule)
    offered = run.settings.get("offered_rps", 0)
    measured = (
        f"p99 at {offered:g} req/s offered ({scenario}): "
        + ", ".join(f"{run.title(i)} {fmt.number(m.value, 'ms')}" for i, m in figures.items())
        + "."
    )
    mine = figures.pop("fastapi")
    if any(m.value < mine.value for m in figures.values()):
        return Verdict(claim, measured, NOT_SUPPORTED, rule)
    if any(m.spread.overlaps(mine.spread) for m in figures.values()):
        return Verdict(claim, measured, f"{DEPENDS}: within the noise of this run", rule)
    return Verdict(claim, measured, SUPPORTED, rule)


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

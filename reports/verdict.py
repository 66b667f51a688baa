"""The verdict table: the implementations ranked per dimension, each rank with its figure.

Two implementations whose ranges across rounds overlap share a rank: the run cannot tell
them apart. A row about resources (CPU, memory, startup) names each server's workers, and says
so when its rank compares servers that ran different worker counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from reports import fmt, measures
from reports.facts.model import ContractFacts, Facts
from reports.measures import Measure
from reports.results import Run, Server, Spread

HIGHER = "higher"
LOWER = "lower"
# The rule rank() applies, as the report states it.
TIE_RULE = (
    "a rank needs its figure's range across rounds (lowest to highest round) not to overlap "
    "the next one's, and counted figures need to differ; otherwise the two are tied"
)


@dataclass(frozen=True)
class Entry:
    """One implementation's figure in a dimension, and its rank (1 is best)."""

    impl: str
    measure: Measure | None
    rank: int | None = None
    tied: bool = False
    workers: str | None = None  # how its server ran, on rows about resources
    flags: tuple[str, ...] = ()  # what a reader must know of the figure: `peak not reached`


@dataclass(frozen=True)
class Dimension:
    """One row of the verdict table."""

    key: str
    title: str
    unit: str
    better: str
    source: str
    entries: tuple[Entry, ...]
    # On a row about resources whose figure is not per worker: a sentence saying that its rank
    # compares servers that ran different worker counts, when they did.
    caveat: str | None = None

    @property
    def leaders(self) -> list[str]:
        """The implementations ranked first."""
        return [e.impl for e in self.entries if e.rank == 1]

    def entry(self, impl: str) -> Entry | None:
        """The entry of one implementation."""
        return next((e for e in self.entries if e.impl == impl), None)


def exact(value: float | None) -> Measure | None:
    """A figure without rounds (counted, not measured under load)."""
    return None if value is None else Measure(Spread(value, value, value, 1))


def rank(entries: list[Entry], better: str) -> tuple[Entry, ...]:
    """Competition ranking by median; a neighbour within the spread shares the rank (TIE_RULE)."""
    measured = [e for e in entries if e.measure is not None]
    ordered = sorted(measured, key=lambda e: e.measure.value, reverse=better == HIGHER)  # type: ignore[union-attr]
    ranked: dict[str, Entry] = {}
    previous: Entry | None = None
    for position, entry in enumerate(ordered, start=1):
        assert entry.measure is not None
        if previous and previous.measure and entry.measure.spread.overlaps(previous.measure.spread):
            entry = replace(entry, rank=previous.rank, tied=True)
            ranked[previous.impl] = replace(previous, tied=True)
        else:
            entry = replace(entry, rank=position)
        ranked[entry.impl] = entry
        previous = entry
    return tuple(ranked.get(e.impl, e) for e in entries)


PEAK_NOT_REACHED = "peak not reached"
DRIFTED = "drifted round"


def peak_flags(run: Run, dim: Dimension, scenario: str) -> Dimension:
    """Flag each entry whose sweep stopped at its cap while throughput still rose (its figure
    is a lower bound, not the server's peak), and each whose peak has a drifted round."""
    entries = []
    for entry in dim.entries:
        server = run.server(entry.impl)
        point = server.peak(scenario) if server else None
        flags = []
        if server is not None and server.peak_reached(scenario) is False:
            flags.append(PEAK_NOT_REACHED)
        if point is not None and point.drift:
            flags.append(DRIFTED)
        entries.append(replace(entry, flags=tuple(flags)))
    return replace(dim, entries=tuple(entries))


def dimension(
    run: Run,
    key: str,
    title: str,
    unit: str,
    better: str,
    source: str,
    figure: Callable[[str], Measure | None],
) -> Dimension:
    """A ranked dimension from a figure per implementation."""
    entries = [Entry(impl, figure(impl)) for impl in run.impls]
    return Dimension(key, title, unit, better, source, rank(entries, better))


def server_workers(server: Server) -> str:
    """How a server ran: `1 async worker`, `3 sync workers`."""
    return fmt.workers(server.workers, server.worker_model, server.threads)


def different_workers(dim: Dimension) -> str | None:
    """What a rank compares when the ranked servers ran different worker counts; else None."""
    labels = list(dict.fromkeys(e.workers for e in dim.entries if e.measure and e.workers))
    if len(labels) < 2:
        return None
    return f"Compares different worker counts: {' against '.join(labels)}."


def resource(run: Run, dim: Dimension, per_worker: bool = False) -> Dimension:
    """A row about resources: each entry names its workers; a caveat when counts differ.

    A figure per worker compares like with like whatever the counts, so it carries no caveat.
    """
    entries = []
    for entry in dim.entries:
        server = run.server(entry.impl)
        entries.append(replace(entry, workers=server_workers(server) if server else None))
    found = replace(dim, entries=tuple(entries))
    return found if per_worker else replace(found, caveat=different_workers(found))


def _server_figure(run: Run, pick: Callable) -> Callable[[str], Measure | None]:
    def figure(impl: str) -> Measure | None:
        server = run.server(impl)
        return pick(server) if server and server.measured else None

    return figure


def performance(run: Run) -> list[Dimension]:
    """Throughput, the framework floor, latency, CPU, memory and startup."""
    main = measures.main_scenario(run)
    dims = []
    if main:
        dims.append(peak_flags(run, dimension(
            run, "throughput", f"Peak throughput, {main}", "req/s", HIGHER,
            f"best closed-loop load point of the {main} scenario",
            _server_figure(run, lambda s: measures.throughput(s, main)),
        ), main))  # fmt: skip
    if measures.FLOOR in run.scenarios:
        dims.append(peak_flags(run, dimension(
            run, "floor", "Framework floor (GET /health)", "req/s", HIGHER,
            "best closed-loop load point of the health scenario",
            _server_figure(run, lambda s: measures.throughput(s, measures.FLOOR)),
        ), measures.FLOOR))  # fmt: skip
    for scenario in measures.fixed_scenarios(run)[:1]:
        offered = run.settings.get("offered_rps")
        dims.append(dimension(
            run, "latency", f"p99 latency at {offered:g} req/s offered, {scenario}", "ms", LOWER,
            "the fixed offered load, the same for every framework",
            _server_figure(run, lambda s, sc=scenario: measures.p99_at_fixed_load(s, sc)),
        ))  # fmt: skip
    if main:
        dims += [
            resource(run, dimension(
                run, "cpu", f"Server CPU per 1,000 requests, {main}", "CPU-s", LOWER,
                f"server process tree at the {main} peak",
                _server_figure(run, lambda s: measures.cpu_per_1000(s, main)),
            )),
            resource(run, dimension(
                run, "memory", f"Server memory, all workers, {main}", "MiB", LOWER,
                f"peak resident memory summed over workers at the {main} peak",
                _server_figure(run, lambda s: measures.memory_total(s, main)),
            )),
            resource(run, dimension(
                run, "memory_per_worker", f"Server memory per worker, {main}", "MiB", LOWER,
                "the same peak divided by the worker count (a gunicorn master included)",
                _server_figure(run, lambda s: measures.memory_per_worker(s, main)),
            ), per_worker=True),
        ]  # fmt: skip
    dims.append(resource(run, dimension(
        run, "startup", "Startup to first healthy answer", "s", LOWER,
        "from starting `taskbench serve` to GET /health answering 200",
        _server_figure(run, measures.startup),
    )))  # fmt: skip
    return dims


def _pass_rate(facts: Facts, impl: str) -> Measure | None:
    if not isinstance(facts.contract, ContractFacts):
        return None
    totals = facts.contract.totals(impl)
    return exact(100 * totals.passed / totals.ran) if totals else None


def _code(facts: Facts, impl: str, key: str) -> Measure | None:
    found = facts.code_of(impl)
    return exact(getattr(found.total, key)) if found else None


def _adjustments(facts: Facts, impl: str) -> Measure | None:
    found = facts.adjustments(impl)
    return exact(len(found)) if found is not None else None


def _packages(facts: Facts, impl: str) -> Measure | None:
    found = facts.installed(impl)
    return exact(found.count) if found else None


def _installed_mib(facts: Facts, impl: str) -> Measure | None:
    found = facts.installed(impl)
    return exact(found.bytes / measures.MIB) if found else None


def from_facts(run: Run, facts: Facts) -> list[Dimension]:
    """Correctness, code and dependencies."""
    rows = [
        ("conformance", "Contract tests passed", "%", HIGHER,
         "the contract suite, every database", _pass_rate),
        ("loc", "Lines of code, without migrations", "lines", LOWER,
         "radon's source lines (SLOC)", lambda f, i: _code(f, i, "sloc")),
        ("complexity", "Cyclomatic complexity, summed", "", LOWER,
         "radon, over every function and method", lambda f, i: _code(f, i, "complexity")),
        ("adjustments", "Adjustments to meet the contract", "", LOWER,
         "reports/conformance.yaml, checked against the code", _adjustments),
        ("installed", "Installed size of its dependencies", "MiB", LOWER,
         "a clean venv per extra", _installed_mib),
        ("packages", "Packages installed", "", LOWER, "a clean venv per extra", _packages),
    ]  # fmt: skip
    return [
        dimension(run, key, title, unit, better, source, lambda i, p=pick: p(facts, i))
        for key, title, unit, better, source, pick in rows
    ]


def table(run: Run, facts: Facts) -> list[Dimension]:
    """Every dimension of the verdict table, performance first."""
    return performance(run) + from_facts(run, facts)

"""What to choose: for each situation, the implementation and variant this run favours.

Each situation is decided by an explicit rule over the run's figures (results.json) or the
facts (facts.json), written beside it like a claim's. A choice needs a clear lead under the
verdict's tie rule (verdict.TIE_RULE): the leader's range across rounds must not overlap the
runner-up's. Otherwise, or when the figures are missing, the situation says "no clear choice"
or "not measured", with the figures. Each measured figure names how many rounds it comes from:
a variant measured in one round has a range of one value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reports import fmt, measures, verdict
from reports.claims import VALIDATION_RULES
from reports.facts.model import Facts
from reports.measures import Measure
from reports.results import Point, Run, Server

NO_CLEAR_CHOICE = "no clear choice"
NOT_MEASURED = fmt.NOT_MEASURED
READ = "read"


@dataclass(frozen=True)
class Choice:
    """One situation: what this run favours (None: no clear choice), why, and the rule.

    `sentence` gives the figures behind the choice; `text` is the whole sentence.
    """

    situation: str
    choice: str | None
    sentence: str
    rule: str

    @property
    def text(self) -> str:
        """`FastAPI (uvicorn): 1,234 req/s at its mixed peak ...` or `no clear choice: ...`."""
        return f"{self.choice}: {self.sentence}" if self.choice else self.sentence


@dataclass(frozen=True)
class Lead:
    """Candidates ranked by a figure: the one clear leader, if any, and the runner-up."""

    ranked: list[tuple[str, Measure]]
    leader: str | None
    # Candidates behind the first whose figure the load generator limited: their capacity is
    # higher than measured, so the first cannot be said to lead them.
    limited: tuple[str, ...] = ()
    # Set when the first two differ by no more than the run's round-to-round noise and one of
    # them was measured in a single round: a range of one cannot show the lead.
    within_noise: float | None = None

    @property
    def runner_up(self) -> tuple[str, Measure] | None:
        """The second candidate by median."""
        return self.ranked[1] if len(self.ranked) > 1 else None


SINGLE_ROUND_RULE = (
    "Where the leader or the runner-up was measured in one round only (a variant, or a level "
    "of database latency, measured in the round its group was dealt to), the lead must also "
    "exceed the widest difference between rounds of one server seen in this run."
)


def name(server: Server) -> str:
    """`FastAPI (uvicorn)`: an implementation and its variant."""
    return f"{server.title} ({server.variant})"


def round_noise(run: Run) -> float:
    """The widest range across rounds of any throughput measured in several rounds, relative
    to its median: how far apart two rounds' figures of one server came in this run."""
    spreads = [
        p.throughput
        for s in _servers(run)
        for p in s.points
        if p.throughput.count > 1 and p.throughput.median > 0
    ]
    return max(((sp.high - sp.low) / sp.median for sp in spreads), default=0.0)


def lead(figures: dict[str, Measure], better: str, noise: float | None = None) -> Lead:
    """The verdict's ranking over candidates; a leader when one alone ranks first, untied, and
    no candidate behind it was client-bound. With `noise`, a leader or runner-up measured in one
    round (no range to compare) must also lead by more than that fraction."""
    entries = verdict.rank([verdict.Entry(k, m) for k, m in figures.items()], better)
    ordered = sorted(
        (e for e in entries if e.measure is not None and e.rank is not None),
        key=lambda e: (e.rank, -e.measure.value if better == verdict.HIGHER else e.measure.value),  # type: ignore[union-attr]
    )
    ranked = [(e.impl, e.measure) for e in ordered if e.measure]
    first = [e for e in ordered if e.rank == 1]
    leader = first[0].impl if len(first) == 1 and len(ordered) > 1 else None
    limited = tuple(k for k, m in ranked[1:] if m.client_bound)
    if noise is not None and leader is not None and len(ranked) > 1:
        (_, first_m), (_, second_m) = ranked[:2]
        if min(first_m.spread.count, second_m.spread.count) < 2:
            high, low = sorted((first_m.value, second_m.value), reverse=True)
            if high <= low * (1 + noise):
                return Lead(ranked, None, limited, within_noise=noise)
    return Lead(ranked, None if limited else leader, limited)


def _rounds(measure: Measure) -> str:
    count = measure.spread.count
    return f"{count} round{'s' if count != 1 else ''}"


def _against(found: Lead, unit: str) -> str:
    """`, against 900 req/s for Flask (gunicorn-sync)`: the runner-up's figure."""
    other = found.runner_up
    if other is None:
        return ""
    return f", against {fmt.number(other[1].value, unit)} ({_rounds(other[1])}) for {other[0]}"


def _unclear(found: Lead, unit: str, what: str) -> str:
    """Why no candidate leads: the top two figures and what kept them apart or not."""
    if len(found.ranked) < 2:
        return f"{NOT_MEASURED}: fewer than two servers have {what}."
    (a, ma), (b, mb) = found.ranked[:2]
    if found.within_noise is not None:
        return (
            f"{NO_CLEAR_CHOICE}: {a} {fmt.spread(ma.spread, unit)} ({_rounds(ma)}) and {b} "
            f"{fmt.spread(mb.spread, unit)} ({_rounds(mb)}), {what}: at least one was measured "
            "in one round, and they differ by no more than this run's rounds of one server did "
            f"({found.within_noise * 100:.0f}%)."
        )
    if found.limited and not ma.spread.overlaps(mb.spread):
        return (
            f"{NO_CLEAR_CHOICE}: {a} measured the most, {fmt.spread(ma.spread, unit)} ({what}), "
            f"but the load generator limited {', '.join(found.limited)}: their capacity is "
            "higher than measured."
        )
    figures = f"{a} {fmt.spread(ma.spread, unit)} and {b} {fmt.spread(mb.spread, unit)}"
    return f"{NO_CLEAR_CHOICE}: {figures} overlap across rounds ({what})."


def _servers(run: Run) -> list[Server]:
    return [s for s in run.servers if s.measured]


def _throughputs(run: Run, scenario: str, db_ms: float) -> dict[str, tuple[Server, Point]]:
    found = {}
    for server in _servers(run):
        point = server.peak(scenario, db_ms)
        if point is not None:
            found[name(server)] = (server, point)
    return found


def cpu_bound(run: Run, facts: Facts) -> Choice:
    """A CPU-bound JSON API next to its database: the highest peak of the main scenario."""
    situation = "A CPU-bound JSON API next to its database"
    main = measures.main_scenario(run) or "mixed"
    rule = (
        f"Every measured server and variant by its peak throughput in the {main} scenario with "
        "no database latency added; the leader must rank first alone under the tie rule, and "
        "no server behind it may be client-bound (its capacity would be higher than measured). "
        f"{SINGLE_ROUND_RULE}"
    )
    points = _throughputs(run, main, 0.0)
    found = lead(
        {k: Measure(p.throughput, p.client_bound) for k, (_, p) in points.items()},
        verdict.HIGHER,
        round_noise(run),
    )
    if found.leader is None:
        return Choice(situation, None, _unclear(found, "req/s", f"{main} peak"), rule)
    point = points[found.leader][1]
    sentence = (
        f"{fmt.number(point.throughput.median, 'req/s')} at its {main} peak "
        f"({point.label}, {_rounds(Measure(point.throughput))}){_against(found, 'req/s')}."
    )
    return Choice(situation, found.leader, sentence, rule)


def database_across_network(run: Run, facts: Facts) -> Choice:
    """A database across a network: capacity of read at the highest added latency."""
    situation = "A database across a network"
    rule = (
        "Every measured server and variant by its peak read throughput at the highest "
        "database latency measured (added per round trip by the latency proxy), with one "
        "user's p50 at each latency; the leader must rank first alone under the tie rule, and "
        f"no server behind it may be client-bound. {SINGLE_ROUND_RULE}"
    )
    levels = [lvl for lvl in run.db_levels if lvl > 0 and _throughputs(run, READ, lvl)]
    if not levels:
        return Choice(situation, None, f"{NOT_MEASURED}: no database latency was added.", rule)
    highest = levels[-1]
    points = _throughputs(run, READ, highest)
    found = lead(
        {k: Measure(p.throughput, p.client_bound) for k, (_, p) in points.items()},
        verdict.HIGHER,
        round_noise(run),
    )
    what = f"read peak at {highest:g} ms added"
    p50 = one_user_p50(run, [0.0, *levels])
    if found.leader is None:
        return Choice(situation, None, _unclear(found, "req/s", what)[:-1] + p50 + ".", rule)
    point = points[found.leader][1]
    sentence = (
        f"{fmt.number(point.throughput.median, 'req/s')} reading at "
        f"{highest:g} ms added per round trip ({point.label}, {_rounds(Measure(point.throughput))})"
        f"{_against(found, 'req/s')}{p50}."
    )
    return Choice(situation, found.leader, sentence, rule)


def one_user_p50(run: Run, levels: list[float]) -> str:
    """`; one user's p50 at 0/10/100 ms added: FastAPI 5.47/25.1/205 ms, ...`: what a round trip
    to a distant database costs a single client, per default variant; empty when not measured."""
    servers = [s for s in run.defaults() if s.measured]
    found = {
        s.title: {lvl: p.latency["p50"].median for lvl in levels
                  if (p := s.at_users(READ, 1, lvl)) and "p50" in p.latency}
        for s in servers
    }  # fmt: skip
    shown = [lvl for lvl in levels if any(lvl in v for v in found.values())]
    if len(shown) < 2:
        return ""
    per_server = [
        f"{title} " + "/".join(fmt.number(v[lvl]) if lvl in v else "?" for lvl in shown)
        for title, v in found.items()
        if v
    ]
    head = "/".join(f"{lvl:g}" for lvl in shown)
    return f"; one user's p50 at {head} ms added: {', '.join(per_server)} ms"


def _kept_answering(found: dict) -> bool:
    return bool(found["answered_while_held"]) and not found["failed"]


def slow_clients(run: Run, facts: Facts) -> Choice:
    """Clients that send slowly, no proxy in front: who kept answering others meanwhile."""
    situation = "Clients that send slowly, with no proxy in front"
    rule = (
        "benchmarks/slowclients.py: while slow clients held connections half-sent, the servers "
        "that kept answering GET /health without a failure. One of them is the choice; "
        "several, or none, is no clear choice (one probe per server: no rounds to rank by)."
    )
    probed = {name(s): s.slow_clients for s in _servers(run) if s.slow_clients}
    if not probed:
        return Choice(situation, None, f"{NOT_MEASURED}: no slow-client probe in this run.", rule)
    kept = {k: v for k, v in probed.items() if _kept_answering(v)}
    stalled = [k for k in probed if k not in kept]
    held = next(iter(probed.values()))
    holding = f"{held['holders']} slow clients held for {held['hold_seconds']:g} s"
    answered = ", ".join(
        f"{k} (p50 {fmt.number(v['latency_ms']['p50'], 'ms')})" for k, v in kept.items()
    )
    if not kept:
        return Choice(
            situation, None, f"{NO_CLEAR_CHOICE}: every server stalled while {holding}.", rule
        )
    others = f"; {', '.join(stalled)} stalled" if stalled else ""
    if len(kept) > 1:
        sentence = f"{NO_CLEAR_CHOICE} between {answered}: all kept answering while {holding}"
        return Choice(situation, None, sentence + others + ".", rule)
    leader, figures = next(iter(kept.items()))
    p50 = fmt.number(figures["latency_ms"]["p50"], "ms")
    sentence = f"kept answering (p50 {p50}) while {holding}{others}."
    return Choice(situation, leader, sentence, rule)


def _default_name(run: Run, impl: str) -> str:
    server = run.server(impl)
    return name(server) if server else impl


def _facts_lead(run: Run, figure: Callable[[str], float | None]) -> Lead:
    figures = {
        _default_name(run, impl): m
        for impl in run.impls
        if (m := verdict.exact(figure(impl))) is not None
    }
    return lead(figures, verdict.LOWER)


def least_code(run: Run, facts: Facts) -> Choice:
    """The least code and the fewest dependencies."""
    situation = "The least code and fewest dependencies"
    rule = (
        "Source lines without migrations (radon SLOC) and packages installed in a clean venv; "
        "the choice must have the fewest of both (equal counts tie). Code and packages are the "
        "same for every variant; the default variant is named."
    )
    lines = _facts_lead(run, lambda i: c.total.sloc if (c := facts.code_of(i)) else None)
    packages = _facts_lead(run, lambda i: d.count if (d := facts.installed(i)) else None)
    if len(lines.ranked) < 2 or len(packages.ranked) < 2:
        return Choice(situation, None, f"{NOT_MEASURED}: code or packages not measured.", rule)
    top_lines, top_packages = lines.ranked[0], packages.ranked[0]
    figures = (
        f"{fmt.number(top_lines[1].value, 'lines')} ({top_lines[0]}) and "
        f"{fmt.number(top_packages[1].value)} packages ({top_packages[0]})"
    )
    if lines.leader and lines.leader == packages.leader:
        sentence = (
            f"{fmt.number(top_lines[1].value, 'lines')} and "
            f"{fmt.number(top_packages[1].value)} packages, against "
            f"{fmt.number(lines.ranked[1][1].value, 'lines')} ({lines.ranked[1][0]}) and "
            f"{fmt.number(packages.ranked[1][1].value)} packages ({packages.ranked[1][0]})."
        )
        return Choice(situation, lines.leader, sentence, rule)
    return Choice(situation, None, f"{NO_CLEAR_CHOICE}: the fewest are {figures}.", rule)


def _serves_docs(facts: Facts, impl: str) -> bool | None:
    found = facts.docs_of(impl)
    if found is None:
        return None
    return found.docs.status == 200 and found.openapi.status == 200


def docs_and_validation(run: Run, facts: Facts) -> Choice:
    """Docs and validation out of the box."""
    situation = "Docs and validation out of the box"
    rule = (
        "Among the implementations that serve interactive docs at /docs from an OpenAPI "
        "document generated from their code, the fewest custom validation pieces it took to "
        "meet the contract (reports/conformance.yaml); equal counts tie."
    )
    serving = [i for i in run.impls if _serves_docs(facts, i)]
    pieces = {
        i: sum(e.rule in VALIDATION_RULES for e in found)
        for i in serving
        if (found := facts.adjustments(i)) is not None
    }
    if not pieces:
        return Choice(situation, None, f"{NOT_MEASURED}: docs or adjustments not gathered.", rule)
    found = _facts_lead(run, lambda i: pieces.get(i))
    listed = ", ".join(f"{k} {fmt.number(m.value)}" for k, m in found.ranked)
    if found.leader is None and len(found.ranked) > 1:
        sentence = (
            f"{NO_CLEAR_CHOICE}: {len(serving)} serve docs at /docs; custom validation pieces: "
            f"{listed}."
        )
        return Choice(situation, None, sentence, rule)
    leader = found.leader or found.ranked[0][0]
    viewer = next(
        (
            d.docs.viewer
            for i in serving
            if _default_name(run, i) == leader and (d := facts.docs_of(i))
        ),
        None,
    )
    sentence = (
        f"serves {viewer or 'docs'} at /docs from its generated OpenAPI and needed the "
        f"fewest custom validation pieces to meet the contract ({listed})."
    )
    return Choice(situation, leader, sentence, rule)


SITUATIONS: tuple[Callable[[Run, Facts], Choice], ...] = (
    cpu_bound,
    database_across_network,
    slow_clients,
    least_code,
    docs_and_validation,
)


def choose(run: Run, facts: Facts) -> list[Choice]:
    """Every situation's choice, in the section's order."""
    return [situation(run, facts) for situation in SITUATIONS]

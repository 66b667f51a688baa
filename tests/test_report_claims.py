"""The rules that decide the claims and the verdict table's ranks, on altered fixture runs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from reports import claims, results, verdict
from reports.facts import model
from reports.facts.model import Facts
from reports.measures import Measure
from reports.results import Spread
from tests.helpers import read_fixture

DOC = read_fixture("results.json")


def run_with(throughput: dict[tuple[str, str], float] | None = None, bound: bool = True) -> Any:
    """The fixture run with (impl, scenario) throughputs set, and client-bound flags kept or not."""
    doc = copy.deepcopy(DOC)
    for record in doc["records"]:
        key = (record["impl"], record["scenario"])
        if throughput and key in throughput and record["load_model"] == "closed":
            record["requests_per_second"] = throughput[key] * (1 + record["repeat"] / 1000)
        if not bound:
            record["client"]["client_bound"] = False
            record["flags"] = [f for f in record["flags"] if f != "client_bound"]
    return results.parse(doc)


def test_10k_is_not_measured_when_the_best_figure_was_client_bound(facts: Facts) -> None:
    found = claims.fastapi_10k(run_with(), facts)

    assert found.verdict == claims.NOT_MEASURED
    assert "The load generator was the limit." in found.measured


def test_10k_is_not_supported_below_it_when_the_server_was_the_limit(facts: Facts) -> None:
    found = claims.fastapi_10k(run_with(bound=False), facts)

    assert found.verdict == "not supported on this machine"


def test_10k_depends_when_only_the_framework_floor_reaches_it(facts: Facts) -> None:
    found = claims.fastapi_10k(run_with({("fastapi", "health"): 12_000}, bound=False), facts)

    assert found.verdict == "depends: only without the database"


def test_10k_is_supported_when_a_database_scenario_reaches_it(facts: Facts) -> None:
    found = claims.fastapi_10k(run_with({("fastapi", "read"): 10_500}), facts)

    assert found.verdict == claims.SUPPORTED


def test_a_clear_lead_needs_every_scenario_and_no_client_bound_figure(facts: Facts) -> None:
    found = claims.fastapi_leads(run_with(), facts).verdict
    assert found == "depends: not supported in health; supported in read, mixed"
    assert claims.fastapi_leads(run_with(bound=False), facts).verdict == claims.SUPPORTED
    close = {("flask", s): 5_000 for s in ("health", "read", "mixed")}
    assert claims.fastapi_leads(run_with(close), facts).verdict == claims.NOT_SUPPORTED


def test_drf_slowest_depends_when_it_is_slowest_in_some_scenarios_only(facts: Facts) -> None:
    assert claims.drf_slowest(run_with(), facts).verdict == claims.SUPPORTED
    faster = run_with({("django", "health"): 9_000})
    found = claims.drf_slowest(faster, facts).verdict
    assert found == "depends: not supported in health; supported in read, mixed"


def test_claims_about_code_and_packages_follow_the_facts(facts: Facts) -> None:
    run = run_with()

    assert claims.flask_manual_validation(run, facts).verdict.startswith(claims.DEPENDS)
    assert claims.fastapi_only_docs(run, facts).verdict == claims.NOT_SUPPORTED
    assert claims.fastapi_less_code(run, facts).verdict == "depends: within 10%"


@pytest.mark.parametrize("check", claims.CLAIMS, ids=lambda c: c.__name__)
def test_every_claim_without_its_figures_is_not_measured(check: Any) -> None:
    empty = copy.deepcopy(DOC)
    empty["records"] = []

    found = check(results.parse(empty), model.parse({}))

    assert found.verdict == claims.NOT_MEASURED
    assert found.rule


def exact(value: float, low: float | None = None, high: float | None = None) -> Measure:
    return Measure(Spread(value, value if low is None else low, value if high is None else high, 3))


def test_overlapping_ranges_share_a_rank_and_distinct_ones_do_not() -> None:
    entries = [
        verdict.Entry("a", exact(100, 95, 105)),
        verdict.Entry("b", exact(102, 101, 110)),
        verdict.Entry("c", exact(50, 48, 52)),
        verdict.Entry("d", None),
    ]

    ranked = {e.impl: e for e in verdict.rank(entries, verdict.HIGHER)}

    assert (ranked["b"].rank, ranked["a"].rank, ranked["c"].rank) == (1, 1, 3)
    assert ranked["a"].tied
    assert ranked["b"].tied
    assert not ranked["c"].tied
    assert ranked["d"].rank is None


def test_lower_is_better_ranks_the_smallest_first() -> None:
    entries = [verdict.Entry("a", exact(3.0)), verdict.Entry("b", exact(1.0))]

    ranked = verdict.rank(entries, verdict.LOWER)

    assert [(e.impl, e.rank) for e in ranked] == [("a", 2), ("b", 1)]

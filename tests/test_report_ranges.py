"""A rule decided at every load point and database latency, and where its answer changes."""

from __future__ import annotations

import copy
from collections.abc import Callable

from reports import claims, ranges, results
from reports.facts.model import Facts
from reports.ranges import At
from tests.helpers import read_fixture

DOC = read_fixture("results.json")


def test_two_answers_read_as_up_to_and_from() -> None:
    found = [At("1 user", "supported"), At("8 users", "supported"), At("32 users", "not supported")]

    assert ranges.where(found) == "supported up to 8 users, not at 32 users"
    assert ranges.changes(found)


def test_a_later_span_reads_from_its_first_point() -> None:
    found = [At(f"{n} users", "supported" if n < 32 else "not supported") for n in (1, 8, 32, 128)]

    assert ranges.where(found) == "supported up to 8 users, not from 32 users"


def test_single_points_read_as_at() -> None:
    found = [At("0 ms added", "supported"), At("10 ms added", "not supported")]

    assert ranges.where(found) == "supported at 0 ms added, not at 10 ms added"


def test_more_than_two_spans_list_each_and_unmeasured_points_are_left_out() -> None:
    found = [At("1", "a"), At("2", "a"), At("4", None), At("8", "b"), At("16", "a")]

    assert ranges.where(found) == "a at 1 to 2; b at 8; a at 16"
    assert ranges.answers(found) == {"a", "b"}


def test_one_answer_everywhere_does_not_change() -> None:
    found = [At("1 user", "supported"), At("8 users", "supported")]

    assert not ranges.changes(found)
    assert ranges.where(found) == "supported at every point from 1 user to 8 users"


def with_throughput(figure: Callable[[str, int], float]) -> results.Run:
    """The fixture run with each closed-loop point's throughput figure(impl, users), not
    client-bound."""
    doc = copy.deepcopy(DOC)
    for record in doc["records"]:
        if record["load_model"] != "closed":
            continue
        record["client"]["client_bound"] = False
        record["flags"] = [f for f in record["flags"] if f != "client_bound"]
        value = figure(record["impl"], record["users"])
        record["requests_per_second"] = value * (1 + record["repeat"] / 1000)
    return results.parse(doc)


def test_a_claim_that_holds_at_low_load_only_says_where_it_stops(facts: Facts) -> None:
    run = with_throughput(
        lambda impl, users: 2_000 if (impl == "fastapi") == (users < 32) else 1_000
    )

    found = claims.fastapi_leads(run, facts)

    # Only mixed was swept (1, 8 and 32 users); health and read ran at 32 users alone.
    assert found.verdict == (
        "depends: mixed: supported up to 8 users, not at 32 users; not supported in health, read"
    )
    assert "mixed: supported up to 8 users, not at 32 users" in found.measured
    assert "health: not supported at 32 users" in found.measured


def test_drf_slowest_is_decided_at_every_load_point(facts: Facts) -> None:
    speeds = {"fastapi": 3_000, "flask": 2_000, "django": 1_000}
    run = with_throughput(lambda impl, users: speeds[impl] if users > 1 else 4_000 - speeds[impl])

    found = claims.drf_slowest(run, facts)

    assert found.verdict == (
        "depends: mixed: not supported at 1 user, supported from 8 users; supported in health, read"
    )


def test_answering_faster_under_load_is_checked_beyond_the_fixed_load(facts: Facts) -> None:
    doc = copy.deepcopy(DOC)
    for record in doc["records"]:
        fast = record["impl"] == "fastapi"
        if record["load_model"] == "fixed" or record["users"] < 32:
            record["latency_ms"]["p99"] = 10.0 if fast else 50.0
        else:
            record["latency_ms"]["p99"] = 400.0 if fast else 100.0 + record["repeat"]

    found = claims.fastapi_latency(results.parse(doc), facts)

    assert found.verdict == (
        "depends: mixed: supported up to 8 users, not at 32 users; "
        "supported in fixed load (mixed); not supported in read"
    )
    assert "fixed load (mixed): supported at 100 req/s offered" in found.measured
    assert "read: not supported at 32 users" in found.measured


def test_a_claim_within_noise_everywhere_depends(facts: Facts) -> None:
    doc = copy.deepcopy(DOC)
    for record in doc["records"]:
        fast = record["impl"] == "fastapi"
        # FastAPI's median lowest (101 ms against 102 ms), its range overlapping the others'.
        record["latency_ms"]["p99"] = (
            97.0 + 2 * record["repeat"] if fast else 100.0 + record["repeat"]
        )

    found = claims.fastapi_latency(results.parse(doc), facts)

    assert found.verdict == "depends: within noise at every point"

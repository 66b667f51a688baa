"""What to choose: each situation's rule names an implementation and variant with its figures
when one leads clearly, and says "no clear choice" when the figures tie."""

from __future__ import annotations

import copy
from typing import Any

from reports import choose, results
from reports.facts import model
from reports.facts.model import Facts
from tests.helpers import read_fixture

DOC = read_fixture("results.json")


def doc_with(rps: dict[tuple[str, str], float] | None = None) -> dict[str, Any]:
    """The fixture results with (impl, scenario) closed-loop throughputs set, 1% apart by round."""
    doc = copy.deepcopy(DOC)
    for record in doc["records"]:
        key = (record["impl"], record["scenario"])
        if rps and key in rps and record["load_model"] == "closed":
            record["requests_per_second"] = rps[key] * (1 + record["repeat"] / 100)
    return doc


def with_db_latency(doc: dict[str, Any], db_ms: float, rps: dict[str, float]) -> dict[str, Any]:
    """Read measured again at 1 and 32 users with db_ms added, at each implementation's rps."""
    added = []
    for record in doc["records"]:
        if (record["scenario"], record["load_model"], record.get("db_latency_ms")) == (
            "read",
            "closed",
            None,
        ):
            for users in (1, 32):
                again = copy.deepcopy(record)
                again.update(db_latency_ms=db_ms, users=users)
                scale = 1 + record["repeat"] / 100
                again["requests_per_second"] = rps[record["impl"]] * scale * users / 32
                again["latency_ms"]["p50"] = db_ms * 2 + users
                added.append(again)
    doc["records"] += added
    return doc


def test_a_clear_lead_names_the_implementation_and_variant_with_its_figures(facts: Facts) -> None:
    found = choose.cpu_bound(results.parse(DOC), facts)

    assert found.choice == "FastAPI (uvicorn)"
    assert found.text == (
        "FastAPI (uvicorn): 1,089 req/s at its mixed peak (32 users, 3 rounds), against "
        "915 req/s (3 rounds) for Flask (gunicorn-sync)."
    )


def test_overlapping_rounds_give_no_clear_choice(facts: Facts) -> None:
    run = results.parse(doc_with({("fastapi", "mixed"): 1000, ("flask", "mixed"): 1010}))

    found = choose.cpu_bound(run, facts)

    assert found.choice is None
    assert found.text.startswith("no clear choice: Flask (gunicorn-sync) 1,030 req/s")
    assert "overlap across rounds" in found.text


def test_a_client_bound_server_behind_the_first_leaves_no_clear_choice(facts: Facts) -> None:
    doc = doc_with()
    for record in doc["records"]:
        if (record["impl"], record["scenario"]) == ("django", "mixed"):
            record["client"]["client_bound"] = True

    found = choose.cpu_bound(results.parse(doc), facts)

    assert found.choice is None
    assert found.sentence.startswith("no clear choice: FastAPI (uvicorn) measured the most")
    assert "the load generator limited Django REST Framework (gunicorn-sync)" in found.sentence


def test_a_figure_from_one_round_says_so(facts: Facts) -> None:
    doc = copy.deepcopy(DOC)
    doc["records"] = [r for r in doc["records"] if r["repeat"] == 1 or r["impl"] != "flask"]

    found = choose.cpu_bound(results.parse(doc), facts)

    assert found.choice == "FastAPI (uvicorn)"
    assert "against 893 req/s (1 round) for Flask (gunicorn-sync)" in found.sentence


def test_a_database_across_a_network_is_decided_at_the_highest_latency(facts: Facts) -> None:
    doc = with_db_latency(doc_with(), 10, {"fastapi": 300, "flask": 200, "django": 100})
    doc = with_db_latency(doc, 100, {"fastapi": 30, "flask": 60, "django": 10})

    found = choose.database_across_network(results.parse(doc), facts)

    assert found.choice == "Flask (gunicorn-sync)"
    assert (
        "61.2 req/s reading at 100 ms added per round trip (32 users, 3 rounds)" in found.sentence
    )
    assert "against 30.6 req/s (3 rounds) for FastAPI (uvicorn)" in found.sentence
    # The fixture measured read at 0 ms with 32 users only: no one-user figure there.
    assert found.sentence.endswith(
        "; one user's p50 at 10/100 ms added: FastAPI 21/201, Flask 21/201, "
        "Django REST Framework 21/201 ms."
    )


def test_without_added_latency_the_network_case_is_not_measured(facts: Facts) -> None:
    found = choose.database_across_network(results.parse(DOC), facts)

    assert found.choice is None
    assert found.sentence == "not measured: no database latency was added."


def probe(answered: int, failed: int = 0, p50: float = 3.0) -> dict[str, Any]:
    return {
        "holders": 64, "connected": 64, "hold_seconds": 10, "trickle_seconds": 1.0,
        "probes": answered or 1, "answered_while_held": answered, "failed": failed,
        "latency_ms": {"p50": p50, "max": 10_000.0 if not answered else p50 * 2},
    }  # fmt: skip


def with_probes(found: dict[str, dict[str, Any]]) -> results.Run:
    doc = copy.deepcopy(DOC)
    for session in doc["sessions"]:
        if session["impl"] in found:
            session["slow_clients"] = found[session["impl"]]
    return results.parse(doc)


def test_slow_clients_favour_the_one_server_that_kept_answering(facts: Facts) -> None:
    run = with_probes({"fastapi": probe(97), "flask": probe(0), "django": probe(0)})

    found = choose.slow_clients(run, facts)

    assert found.choice == "FastAPI (uvicorn)"
    assert found.sentence == (
        "kept answering (p50 3.00 ms) while 64 slow clients held for 10 s; Flask "
        "(gunicorn-sync), Django REST Framework (gunicorn-sync) stalled."
    )


def test_slow_clients_with_several_answering_is_no_clear_choice(facts: Facts) -> None:
    run = with_probes({"fastapi": probe(97), "flask": probe(90), "django": probe(0)})

    found = choose.slow_clients(run, facts)

    assert found.choice is None
    assert found.sentence.startswith("no clear choice between FastAPI (uvicorn) (p50 3.00 ms)")


def test_least_code_needs_the_fewest_lines_and_packages_together(
    facts: Facts, facts_doc: dict[str, Any]
) -> None:
    run = results.parse(DOC)

    split = choose.least_code(run, facts)
    packages = facts_doc["dependencies"]["implementations"]
    packages["fastapi"]["count"] = 5
    together = choose.least_code(run, model.parse(facts_doc))

    assert split.choice is None
    assert split.sentence.startswith("no clear choice: the fewest are 498 lines (FastAPI")
    assert together.choice == "FastAPI (uvicorn)"
    assert together.sentence.startswith("498 lines and 5 packages, against")


def test_docs_and_validation_name_the_fewest_custom_validation_pieces(facts: Facts) -> None:
    found = choose.docs_and_validation(results.parse(DOC), facts)

    assert found.choice == "Flask (gunicorn-sync)"
    assert "serves Swagger UI at /docs" in found.sentence
    assert "(Flask (gunicorn-sync) 3, FastAPI (uvicorn) 4," in found.sentence


def test_every_situation_without_figures_is_not_measured() -> None:
    empty = copy.deepcopy(DOC)
    empty["records"] = []

    found = choose.choose(results.parse(empty), model.parse({}))

    assert [c.choice for c in found] == [None] * len(choose.SITUATIONS)
    assert all(c.sentence.startswith("not measured") for c in found), found


def test_a_figure_of_one_round_leads_only_beyond_the_runs_round_to_round_noise() -> None:
    def measure(*values: float) -> choose.Measure:
        return choose.Measure(results.Spread.of(list(values)))  # type: ignore[arg-type]

    close = {"a (x)": measure(438.0), "b (y)": measure(360.0, 374.0, 390.0)}
    far = {"a (x)": measure(130.0), "b (y)": measure(49.0)}

    within = choose.lead(close, choose.verdict.HIGHER, noise=0.3)
    beyond = choose.lead(far, choose.verdict.HIGHER, noise=0.3)

    assert within.leader is None
    assert choose._unclear(within, "req/s", "mixed peak").startswith(
        "no clear choice: a (x) 438 req/s (1 round) and b (y)"
    )
    assert beyond.leader == "a (x)"
    assert choose.lead(close, choose.verdict.HIGHER).leader == "a (x)"  # without the noise rule


def test_round_noise_is_the_widest_range_of_one_server_across_rounds() -> None:
    run = results.parse(DOC)
    widest = max(
        (p.throughput.high - p.throughput.low) / p.throughput.median
        for s in run.servers
        for p in s.points
        if p.throughput.count > 1
    )

    assert choose.round_noise(run) == widest > 0

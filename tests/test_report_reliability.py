"""The reliability table's rules: where each row's figures come from, and how a cell is decided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports import reliability, results
from reports.facts import model
from tests.helpers import read_fixture

ROOT = Path(__file__).resolve().parent.parent


def test_every_contract_module_the_table_reads_exists() -> None:
    modules = reliability.contract_modules()

    missing = [m for m in modules if not (ROOT / "contract_tests" / f"{m}.py").is_file()]

    assert "test_hostile_input" in modules
    assert missing == [], "a reliability row names a contract module that does not exist"


def test_each_contract_module_stands_behind_one_row_only() -> None:
    modules = reliability.contract_modules()

    assert len(modules) == len(set(modules))


def test_tests_that_were_all_skipped_are_not_measured_with_the_reason(
    facts_doc: dict[str, Any],
) -> None:

    found = reliability.contract_cell(model.parse(facts_doc), "django", ("test_database_stopped",))

    assert found.ok is None
    assert found.text == (
        "not measured: all 1 skipped "
        "(PostgreSQL unreachable, postgresql tests skipped: cannot connect)"
    )


def test_a_fuzz_pass_that_failed_without_findings_is_failed_with_its_exit_code(
    facts_doc: dict[str, Any],
) -> None:
    own = facts_doc["fuzz"]["implementations"]["django"]["passes"]["own"]
    own.update(passed=False, exit_code=2, errors=1)

    found = reliability.fuzz_cell(model.parse(facts_doc), "django", "own")

    assert found.ok is False
    assert found.text == "FAILED: 8,001 test cases, 0 findings, 0 server errors, 1 error"


def test_an_implementation_missing_from_the_fuzz_run_is_not_measured(
    facts_doc: dict[str, Any],
) -> None:
    del facts_doc["fuzz"]["implementations"]["django"]

    found = reliability.fuzz_cell(model.parse(facts_doc), "django", "contract")

    assert (found.text, found.ok) == ("not measured: not fuzzed in this run", None)


def test_check_names_every_fuzz_pass_that_found_something_one_line_each(
    facts_doc: dict[str, Any],
) -> None:
    facts_doc["fuzz"]["implementations"]["fastapi"]["passes"]["contract"]["passed"] = False
    facts_doc["fuzz"]["implementations"]["fastapi"]["passes"]["contract"]["exit_code"] = 2

    problems = reliability.fuzz_problems(model.parse(facts_doc), ["fastapi", "flask", "django"])

    assert problems == [
        "fastapi: schemathesis against contract_tests/openapi.yaml failed (exit code 2)",
        "flask: 3 schemathesis findings (2 server errors) against its own /openapi.json",
    ]


def test_no_fuzz_facts_is_no_fuzz_problem(facts_doc: dict[str, Any]) -> None:
    facts_doc["fuzz"] = {"missing": "no fuzz summary"}

    assert reliability.fuzz_problems(model.parse(facts_doc), ["flask"]) == []
    assert reliability.fuzz_source(model.parse(facts_doc)) is None


def run_with_slow_clients(figures: dict | None) -> results.Run:
    data = read_fixture("results.json")
    first = next(s for s in data["sessions"] if s["impl"] == "flask")
    first["slow_clients"] = figures
    return results.parse(data)


def slow_clients(answered: int, failed: int = 0, p50: float = 2.5, peak: float = 15.0) -> dict:
    return {
        "holders": 64,
        "connected": 64,
        "hold_seconds": 10,
        "trickle_seconds": 1.0,
        "probes": answered or 1,
        "answered_while_held": answered,
        "failed": failed,
        "latency_ms": {"p50": p50, "max": peak},
    }


def test_a_server_that_answered_nobody_while_slow_clients_held_it_is_stalled() -> None:
    run = run_with_slow_clients(slow_clients(0, p50=9_990.0, peak=9_990.0))

    found = reliability.slow_clients_cell(run, "flask")

    assert found.ok is False
    assert (
        found.text == "stalled: no probe answered while 64 held for 10 s (the first waited 9.99 s)"
    )


def test_a_server_that_kept_answering_shows_its_probes_and_latency() -> None:
    run = run_with_slow_clients(slow_clients(90))

    found = reliability.slow_clients_cell(run, "flask")

    assert found.ok is True
    assert found.text == "90 probes answered while 64 held for 10 s; p50 2.50 ms, max 15.0 ms"


def test_failed_probes_fail_the_slow_client_cell() -> None:
    run = run_with_slow_clients(slow_clients(90, failed=3))

    assert reliability.slow_clients_cell(run, "flask").ok is False


def test_a_run_without_the_probe_is_not_measured() -> None:
    run = run_with_slow_clients(None)

    found = reliability.slow_clients_cell(run, "flask")

    assert (found.ok, found.text) == (None, "not measured: no slow-client probe in this run")

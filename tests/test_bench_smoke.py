"""A smoke benchmark of every importable implementation on SQLite, checked against the schema.

It runs the real pipeline (seeding, two rounds with their drift references, smoke check, Locust,
the adaptive sweep, audit, wrk, results.json) with windows of a couple of seconds, so that the
benchmark cannot silently rot. No figure is asserted on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import results
from benchmarks.runner import availability
from taskbench import registry

# --quick (one server per implementation and round), in two rounds, the mix alone, shortened
# further; the sweep may add one level (8 users, on a server of its own); wrk runs if it is
# installed. The read-only path is run by test_bench_drift.py and test_bench_routes.py. SQLite by
# choice: the PostgreSQL default is exercised by test_postgres_fallback.py.
ROUNDS = 2
BENCH = [
    sys.executable, "-m", "taskbench", "bench", "--quick", "--no-live", "--rounds", str(ROUNDS),
    "--database-url", "sqlite",
    "--scenario", "mixed", "--users", "4", "--peak-users", "4",
    "--sweep-cap", "8", "--offered-rps", "20", "--fixed-users", "4",
    "--duration", "1", "--warmup", "0", "--seed-rows", "100", "--reference-seconds", "0.2",
    "--wrk", "wrk", "--wrk-duration", "1", "--slow-hold", "1",
]  # fmt: skip


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    """One smoke benchmark of everything importable: exit code, results.json and its folder."""
    root = tmp_path_factory.mktemp("bench")
    env = {**os.environ, "TASKBENCH_VAR": str(root / "var")}
    done = subprocess.run(
        [*BENCH, "--results", str(root / "results")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    found = (root / "results" / "latest" / "results.json").resolve()
    assert found.is_file(), f"no results.json written:\n{done.stdout}\n{done.stderr}"
    return done.returncode, json.loads(found.read_text()), found.parent


def test_smoke_benchmark_exits_zero(smoke_run: tuple[int, dict, Path]) -> None:
    code, document, _ = smoke_run

    assert code == 0, document["failures"]
    assert document["run"]["status"] == "complete"


def test_each_server_is_probed_once_with_slow_clients(smoke_run: tuple[int, dict, Path]) -> None:
    _, document, _ = smoke_run
    servers = {(s["impl"], s["variant"]) for s in document["sessions"]}

    probed = [s for s in document["sessions"] if s.get("slow_clients")]

    assert sorted((s["impl"], s["variant"]) for s in probed) == sorted(servers)
    for session in probed:
        found = session["slow_clients"]
        assert found["connected"] == found["holders"], session["session"]
        assert found["probes"] >= 1, session["session"]
        assert found["failed"] == 0, session["session"]


def test_results_file_matches_its_schema(smoke_run: tuple[int, dict, Path]) -> None:
    _, document, _ = smoke_run

    assert results.validate(document) == []


def test_every_round_visits_every_implementation_in_a_rotated_order(
    smoke_run: tuple[int, dict, Path],
) -> None:
    _, document, _ = smoke_run
    orders = [[o["impl"] for o in r["order"]] for r in document["rounds"]]

    assert [r["round"] for r in document["rounds"]] == list(range(1, ROUNDS + 1))
    assert orders[1] == orders[0][1:] + orders[0][:1]
    for rec in document["records"]:
        order = orders[rec["round"] - 1]
        assert order.index(rec["impl"]) + 1 == rec["position"], rec["session"]
    for session in document["sessions"]:
        assert session["session"].startswith(f"r{session['round']}-")


def test_each_round_opens_with_a_drift_reference(smoke_run: tuple[int, dict, Path]) -> None:
    _, document, _ = smoke_run

    for found in document["rounds"]:
        assert found["reference"] is not None, found["reference_error"]
        assert found["reference"]["cpu_units_per_second"] > 0
        assert found["reference"]["queries_per_second"] > 0
        assert set(found["deviation_percent"]) == {"cpu_units_per_second", "queries_per_second"}
        flagged = [r for r in document["records"] if r["round"] == found["round"]]
        assert all(("drift" in r["flags"]) == found["drift"] for r in flagged)


def test_every_round_measures_the_levels_the_first_round_swept_to(
    smoke_run: tuple[int, dict, Path],
) -> None:
    _, document, _ = smoke_run

    assert document["sweeps"]
    for found in document["sweeps"]:
        assert found["decided_in_round"] == 1
        assert found["stop"] is not None
        assert found["levels"] == sorted([*found["listed"], *found["added"]])
        for round_number in range(1, ROUNDS + 1):
            users = {
                r["users"] for r in document["records"]
                if (r["impl"], r["variant"], r["scenario"]) == (
                    found["impl"], found["variant"], found["scenario"]
                ) and r["load_model"] == "closed" and r["round"] == round_number
            }  # fmt: skip
            assert sorted(users) == found["levels"], (found, round_number)
        assert found["peak_users"] in found["levels"]


def test_every_importable_implementation_has_records(smoke_run: tuple[int, dict, Path]) -> None:
    _, document, _ = smoke_run
    importable = [
        name for name, why in availability(tuple(registry.IMPLEMENTATIONS)).items() if not why
    ]

    assert importable, "no implementation can be imported"
    for name in importable:
        mine = [r for r in document["records"] if r["impl"] == name]
        assert {(r["scenario"], r["load_model"], r["round"]) for r in mine} == {
            (scenario, model, round_number)
            for scenario, model in (("mixed", "fixed"), ("mixed", "closed"))
            for round_number in range(1, ROUNDS + 1)
        }, name


def test_every_window_was_measured_without_failures(smoke_run: tuple[int, dict, Path]) -> None:
    _, document, _ = smoke_run

    for rec in document["records"]:
        assert rec["requests"] > 0, rec["session"]
        assert rec["failures"]["total"] == 0, rec["failure_examples"]
        assert rec["error"] is None


def test_every_write_window_passed_its_audit(smoke_run: tuple[int, dict, Path]) -> None:
    _, document, _ = smoke_run

    audits = [r["audit"] for r in document["records"] if r["scenario"] == "mixed"]
    assert audits
    assert all(a is not None and a["passed"] for a in audits), audits


def test_raw_locust_csvs_are_kept_beside_the_results(smoke_run: tuple[int, dict, Path]) -> None:
    _, document, folder = smoke_run

    for rec in document["records"]:
        prefix = folder / rec["locust"]["csv_prefix"]
        assert Path(f"{prefix}_stats.csv").is_file()
        assert Path(f"{prefix}.window.json").is_file()


def test_conditions_and_versions_are_recorded(smoke_run: tuple[int, dict, Path]) -> None:
    _, document, _ = smoke_run

    assert document["conditions"]["database"]["kind"] == "sqlite"
    assert document["conditions"]["access_logs"] == "off"
    assert document["software"]["packages"]["locust"]
    assert document["conditions"]["database"]["prefix"].startswith("taskbench_bench_")
    for rec in document["records"]:
        assert rec["client"]["cores_busy_percent"] is not None
        assert rec["locust"]["wall_seconds"] > 0
        assert rec["db_latency_ms"] == 0
        assert rec["connections_closed"] is not None
    for session in document["sessions"]:
        assert session["wall_seconds"] is not None
        assert session["cpus"] == document["conditions"]["server_cpus"]
        assert session["workers"] >= 1
        assert session["smoke"]["passed"]

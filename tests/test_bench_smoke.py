"""A smoke benchmark of every importable implementation on SQLite, checked against the schema.

It runs the real pipeline (seeding, smoke check, Locust, audit, results.json) with windows of a
couple of seconds, so that the benchmark cannot silently rot. No figure is asserted on.
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

# --quick (one server per implementation), shortened further; wrk runs if it is installed.
# SQLite by choice: the PostgreSQL default is exercised by test_postgres_fallback.py.
BENCH = [
    sys.executable, "-m", "taskbench", "bench", "--quick", "--no-live", "--database-url", "sqlite",
    "--scenario", "health", "--scenario", "mixed", "--users", "4", "--peak-users", "4",
    "--offered-rps", "20", "--fixed-users", "4",
    "--duration", "2", "--warmup", "1", "--seed-rows", "100",
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


def test_every_importable_implementation_has_records(smoke_run: tuple[int, dict, Path]) -> None:
    _, document, _ = smoke_run
    importable = [
        name for name, why in availability(tuple(registry.IMPLEMENTATIONS)).items() if not why
    ]

    assert importable, "no implementation can be imported"
    for name in importable:
        mine = [r for r in document["records"] if r["impl"] == name]
        assert {(r["scenario"], r["load_model"]) for r in mine} == {
            ("health", "closed"),
            ("mixed", "fixed"),
            ("mixed", "closed"),
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
    for rec in document["records"]:
        assert rec["client"]["cores_busy_percent"] is not None
        assert rec["locust"]["wall_seconds"] > 0
    for session in document["sessions"]:
        assert session["wall_seconds"] is not None
        assert session["cpus"] == document["conditions"]["server_cpus"]
        assert session["workers"] >= 1
        assert session["smoke"]["passed"]

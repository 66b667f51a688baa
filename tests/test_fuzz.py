"""The short schemathesis pass: every implementation, its own OpenAPI and the contract's.

A fixed seed and a small budget, so that a finding fails `nox -s tests` and the same seed
reproduces it (`taskbench fuzz --seed 20261122`); `nox -s fuzz` runs the long pass with a
random seed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from taskbench import fuzz, links, registry
from tests.helpers import REPORT_FIXTURES

SEED = 20261122


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, Path]:
    """One short fuzz run of every implementation on SQLite: exit code, summary and folder."""
    out = tmp_path_factory.mktemp("fuzz")
    done = subprocess.run(
        [
            sys.executable, "-m", "taskbench", "fuzz", "--seed", str(SEED),
            "--max-examples", "5", "--max-time", "10", "--out", str(out),
        ],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "TASKBENCH_VAR": str(out / "var")},
    )  # fmt: skip
    summary = out / "summary.json"
    assert summary.is_file(), done.stderr[-3000:]
    return done.returncode, json.loads(summary.read_text()), out


def test_both_documents_are_fuzzed_with_the_seed_given(fuzzed) -> None:
    _, summary, _ = fuzzed
    assert summary["seed"] == SEED
    assert [(p["impl"], p["spec"]) for p in summary["passes"]] == [
        (impl, spec) for impl in registry.IMPLEMENTATIONS for spec in ("own", "contract")
    ]


def test_each_pass_records_schemathesis_figures_and_keeps_its_report(fuzzed) -> None:
    _, summary, out = fuzzed
    for outcome in summary["passes"]:
        assert outcome["schemathesis_version"], outcome
        assert outcome["test_cases"]["generated"] > 0
        assert set(outcome["phases"]) == {"examples", "coverage", "fuzzing", "stateful"}
        assert outcome["passed"] == (outcome["exit_code"] == 0)
        assert outcome["passed"] == (not outcome["findings"] and not outcome["errors"])
        assert outcome["findings_total"] >= outcome["server_errors"] >= 0
        assert json.loads((out / outcome["report"]).read_text())["seed"] == SEED


def test_summary_says_which_commit_when_and_with_what_budget(fuzzed) -> None:
    _, summary, _ = fuzzed
    assert re.fullmatch(r"[0-9a-f]{40}", summary["git"]["commit"])
    assert isinstance(summary["git"]["dirty"], bool)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", summary["started_at"])
    assert summary["budget"] == {"max_examples": 5, "max_time": 10}
    assert summary["schemathesis_version"] == summary["passes"][0]["schemathesis_version"]


def test_a_run_into_an_explicit_folder_leaves_latest_alone(fuzzed) -> None:
    _, _, out = fuzzed
    assert not (out / "var" / "fuzz" / links.LATEST).exists()


def test_findings_and_server_errors_are_counted_from_schemathesis_report(tmp_path: Path) -> None:
    log = tmp_path / "flask-own.log"
    log.write_text("")

    outcome = fuzz.summarize(
        "flask", "gunicorn-sync", "own", 1, REPORT_FIXTURES / "schemathesis-report.json", log,
        time.monotonic(),
    )  # fmt: skip

    assert outcome["passed"] is False
    assert [f["code"] for f in outcome["findings"]] == ["ST101", "ST103", "ST204"]
    assert (outcome["findings_total"], outcome["server_errors"]) == (4, 2)
    assert outcome["test_cases"]["generated"] == 4196


def test_a_pass_that_left_an_empty_report_has_no_figures(tmp_path: Path) -> None:
    report, log = tmp_path / "django-own.json", tmp_path / "django-own.log"
    report.write_text("")
    log.write_text("")

    outcome = fuzz.summarize("django", "gunicorn-sync", "own", 2, report, log, time.monotonic())

    assert (outcome["passed"], outcome["findings_total"], outcome["server_errors"]) == (
        False, 0, 0,
    )  # fmt: skip
    assert outcome["test_cases"] == {}


def test_latest_moves_to_each_new_run_of_the_fuzz_root(tmp_path: Path) -> None:
    root = tmp_path / "fuzz"
    for name in ("20261122-010000", "20261122-020000"):
        (root / name).mkdir(parents=True)
        fuzz.write_summary(root / name, {"seed": 1, "passes": []}, root)

    latest = root / links.LATEST
    assert latest.is_symlink()
    assert os.readlink(latest) == "20261122-020000"
    assert json.loads((latest / "summary.json").read_text())["seed"] == 1


def test_a_summary_written_without_a_root_leaves_latest_alone(tmp_path: Path) -> None:
    written = fuzz.write_summary(tmp_path, {"seed": 1, "passes": []}, None)

    assert written == tmp_path / "summary.json"
    assert not (tmp_path / links.LATEST).exists()


def test_exit_code_says_whether_any_pass_found_something(fuzzed) -> None:
    code, summary, _ = fuzzed
    assert code == (0 if all(p["passed"] for p in summary["passes"]) else 1)


def test_bad_budget_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "taskbench", "fuzz", "--max-time", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("taskbench fuzz: error:")


@pytest.mark.parametrize("impl", list(registry.IMPLEMENTATIONS))
def test_schemathesis_finds_nothing(fuzzed, impl: str) -> None:
    _, summary, out = fuzzed
    for outcome in summary["passes"]:
        if outcome["impl"] == impl:
            log = (out / outcome["log"]).read_text(errors="replace")
            assert outcome["passed"], f"{outcome['spec']} document:\n{log[-4000:]}"


def test_every_pass_counts_the_contracts_refusals_as_refusals() -> None:
    argv = fuzz.command("http://127.0.0.1:9", "own", 1, 1, 1, Path("report.json"))
    config = tomllib.loads(fuzz.CONFIG.read_text(encoding="utf-8"))

    expected = config["checks"]["negative_data_rejection"]["expected-statuses"]

    assert argv[1:4] == ["--config-file", str(fuzz.CONFIG), "run"]
    # CONTRACT.md's refusals: the body limit, and what the HTTP server does not read.
    assert {"400", "404", "413", "414", "415", "422", "431"} <= set(expected)
    assert not {"2xx", "200", "201", "204"} & set(expected)

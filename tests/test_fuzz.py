"""The short schemathesis pass: every implementation, its own OpenAPI and the contract's.

A fixed seed and a small budget, so that a finding fails `nox -s tests` and the same seed
reproduces it (`taskbench fuzz --seed 20261122`); `nox -s fuzz` runs the long pass with a
random seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from taskbench import registry

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
        assert json.loads((out / outcome["report"]).read_text())["seed"] == SEED


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

"""What the rounds tell a reader, beside the figures: a drifted round, a sweep that stopped at
its cap, wrk disagreeing with Locust, and the tie rule the ranks follow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reports import render, results, verdict
from reports.facts.model import Facts
from reports.fmt import RANGE


def drifted(doc: dict[str, Any]) -> dict[str, Any]:
    """Round 2 drifted; Flask's read and mixed records of round 2 carry the flag."""
    doc["rounds"] = [
        {
            "round": n,
            "drift": n == 2,
            "deviation_percent": {"cpu_units_per_second": -14.2 if n == 2 else 0.5},
        }
        for n in (1, 2, 3)
    ]
    for record in doc["records"]:
        if (record["impl"], record["repeat"]) == ("flask", 2) and record["scenario"] != "health":
            record["flags"] = [*record["flags"], "drift"]
    return doc


def disagreeing(doc: dict[str, Any]) -> dict[str, Any]:
    """wrk measured Flask's read at 32 users 21% above Locust, with the reason measured."""
    doc["summaries"] = [{
        "impl": "flask", "variant": "gunicorn-sync", "scenario": "read", "load_model": "closed",
        "users": 32, "offered_rps": None, "db_latency_ms": 0,
        "cross_check": {
            "locust": {"median": 1227.8, "min": 1207.3, "max": 1279.7, "rounds": 3},
            "wrk": {"median": 1485.6, "min": 1450.0, "max": 1500.0, "rounds": 3},
            "wrk_to_locust": 1.21, "agree": False, "facts": {},
            "explanation": ["Locust reached no limit (40% of its core)"],
        },
    }]  # fmt: skip
    return doc


def capped(doc: dict[str, Any]) -> dict[str, Any]:
    """Django's mixed sweep stopped at its cap while throughput still rose."""
    doc["sweeps"] = [{
        "impl": "django", "variant": "gunicorn-sync", "scenario": "mixed", "db_latency_ms": 0,
        "peak_reached": False, "stop": "cap",
    }]  # fmt: skip
    return doc


@pytest.fixture
def markdown(results_doc: dict[str, Any], facts: Facts, tmp_path: Path) -> str:
    run = results.parse(capped(disagreeing(drifted(results_doc))))
    return render.render(run, facts, tmp_path)["md"].read_text(encoding="utf-8")


def test_a_figure_from_a_drifted_round_is_flagged_and_explained(markdown: str) -> None:
    figure = f"1,228 req/s (1,207{RANGE}1,280, 3 rounds) *(drifted round)*"
    assert f"| Flask (gunicorn-sync) | read | 32 users | {figure}" in markdown
    assert "moved from the run's median in round 2 (cpu units per second -14.2%)" in markdown
    verdict_row = next(
        line for line in markdown.splitlines() if line.startswith("| Peak throughput, mixed")
    )
    assert "*(drifted round)*" in verdict_row.split(" | ")[2]
    assert "*(drifted round)*" not in verdict_row.split(" | ")[1]


def test_wrk_disagreeing_beyond_the_bound_is_said_beside_the_figure(markdown: str) -> None:
    row = next(
        line
        for line in markdown.splitlines()
        if "| Flask (gunicorn-sync) | read | 32 users" in line
    )

    assert "*(wrk +21%)*" in row
    wrk = f"1,486 req/s (1,450{RANGE}1,500, 3 rounds)"
    assert f"{wrk}. **wrk +21% from Locust, beyond the 10% bound: Locust reached no" in row


def test_a_sweep_stopped_at_its_cap_says_peak_not_reached_in_the_verdict(markdown: str) -> None:
    row = next(
        line for line in markdown.splitlines() if line.startswith("| Peak throughput, mixed")
    )

    cells = row.split(" | ")
    assert "peak not reached" in cells[3]
    assert "peak not reached" not in cells[1] + cells[2]


def test_the_report_names_its_tie_rule(markdown: str) -> None:
    assert f"The tie rule: {verdict.TIE_RULE}." in markdown
    assert "3 rounds)" in markdown
    assert " runs)" not in markdown

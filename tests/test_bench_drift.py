"""Drift between rounds: the reference of each round, and the flag on a round that moved.

The last test slows one round on purpose: CPU hogs pinned to the server core while round 2 of a
tiny three-round run takes its reference, stopped by their pids as soon as the reference is done
(and bounded to a minute whatever happens).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import drift
from benchmarks.results import Results
from tests.bench_factories import window_record

# Busy on one core for at most a minute, whatever happens to the test.
HOG = """
import os, sys, time
os.sched_setaffinity(0, {int(sys.argv[1])})
end = time.monotonic() + 60
while time.monotonic() < end:
    pass
"""
BENCH = [
    sys.executable, "-m", "taskbench", "bench", "--no-live", "--no-wrk", "--impl", "fastapi",
    "--variants", "default", "--scenario", "health", "--peak-users", "2", "--rounds", "3",
    "--duration", "1", "--warmup", "0", "--seed-rows", "50", "--slow-hold", "0",
    "--reference-seconds", "0.5",
]  # fmt: skip
WAIT = 300.0
HOGS = 4


def refs(*cpu: float) -> dict[int, dict[str, float]]:
    """References of rounds 1, 2, ... with these CPU rates and a steady query rate."""
    return {
        n: {"cpu_units_per_second": value, "queries_per_second": 1000.0}
        for n, value in enumerate(cpu, 1)
    }


def test_a_round_far_from_the_median_is_flagged_and_the_others_not() -> None:
    assert drift.flagged(refs(100.0, 50.0, 98.0)) == {2}
    assert drift.deviations(refs(100.0, 50.0, 98.0))[2]["cpu_units_per_second"] == -49.0


def test_ten_percent_from_the_median_is_still_steady() -> None:
    assert drift.flagged(refs(100.0, 90.0, 100.0)) == set()
    assert drift.flagged(refs(100.0, 89.0, 100.0)) == {2}


def test_either_figure_flags_its_round() -> None:
    references = refs(100.0, 100.0, 100.0)
    references[3]["queries_per_second"] = 700.0

    assert drift.flagged(references) == {3}


def test_one_round_cannot_drift() -> None:
    assert drift.flagged(refs(100.0)) == set()


def test_every_record_of_a_drifted_round_carries_the_flag(tmp_path: Path) -> None:
    results = Results(out=tmp_path)
    results.rounds = [{"round": n, "reference": ref} for n, ref in refs(100.0, 60.0, 100.0).items()]
    results.records = [window_record(1), window_record(2), window_record(3)]

    document = results.as_dict()

    assert [r["drift"] for r in document["rounds"]] == [False, True, False]
    assert [r["flags"] for r in document["records"]] == [[], ["drift"], []]
    assert document["summaries"][0]["flags"] == ["drift"]


def _hog(cpu: int) -> subprocess.Popen[bytes]:
    # A session of its own, like a neighbour's process: the kernel shares a core fairly between
    # sessions (autogroups), and the reference runs in a session of its own as servers do.
    return subprocess.Popen([sys.executable, "-c", HOG, str(cpu)], start_new_session=True)


@pytest.mark.measures
def test_slowing_one_round_on_purpose_flags_that_round(tmp_path: Path) -> None:
    server_cpu = min(os.sched_getaffinity(0))
    env = {**os.environ, "TASKBENCH_VAR": str(tmp_path / "var")}
    bench = subprocess.Popen(
        [*BENCH, "--server-cpus", str(server_cpu), "--results", str(tmp_path / "results")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    hogs: list[subprocess.Popen[bytes]] = []
    output = []
    try:
        deadline = time.monotonic() + WAIT
        assert bench.stdout is not None
        for line in bench.stdout:
            output.append(line)
            if line.startswith("round 2/3"):
                # Four neighbours leave the reference at most a fifth of its core.
                hogs = [_hog(server_cpu) for _ in range(HOGS)]
            elif line.startswith("round 2 reference") or line.startswith("round 3/3"):
                for hog in hogs:
                    hog.kill()
            assert time.monotonic() < deadline, "".join(output)
        bench.wait(timeout=WAIT)
    finally:
        for process in [bench, *hogs]:
            if process.poll() is None:
                process.kill()
                process.wait()

    assert hogs, "round 2 never began:\n" + "".join(output)
    found = tmp_path / "results" / "latest" / "results.json"
    document = json.loads(found.read_text())
    rounds = {r["round"]: r for r in document["rounds"]}
    assert rounds[2]["drift"], rounds
    assert rounds[2]["deviation_percent"]["cpu_units_per_second"] < -drift.DRIFT_PERCENT, rounds
    # Whether an unslowed round also moved is the machine's own noise, which the flag exists to
    # report; what the hogs decide is that the slowed round stands out most on CPU.
    cpu = {n: r["deviation_percent"]["cpu_units_per_second"] for n, r in rounds.items()}
    assert min(cpu, key=cpu.__getitem__) == 2, rounds
    for record in document["records"]:
        assert ("drift" in record["flags"]) == rounds[record["round"]]["drift"]
    assert "drift" in document["summaries"][0]["flags"]

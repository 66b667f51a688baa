"""Ctrl-C or SIGTERM mid-benchmark stops every server and Locust process it started.

Nothing answers where the benchmark looks for PostgreSQL (TASKBENCH_POSTGRES_URL names a port
nobody listens on), so the run starts an embedded PostgreSQL, which must go too, folder and all.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from benchmarks import results
from taskbench import launcher, postgres

BENCH = [
    sys.executable, "-m", "taskbench", "bench", "--no-live", "--no-wrk", "--impl", "fastapi",
    "--scenario", "health", "--peak-users", "2", "--duration", "60", "--warmup", "1",
    "--rounds", "1", "--seed-rows", "50", "--reference-seconds", "0.2",
]  # fmt: skip
WAIT = 120.0


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _is_locust(process: psutil.Process) -> bool:
    try:
        return "locust" in process.cmdline()
    except psutil.Error:
        return False


def _ignore_sigint() -> None:
    """As a shell script's background job starts: with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("sig", "ignored"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["ctrl-c", "sigterm", "sigint-to-a-background-job"],
)
def test_interrupt_mid_window_leaves_no_process_behind(
    tmp_path: Path, sig: signal.Signals, ignored: bool
) -> None:
    silent = f"postgresql://127.0.0.1:{launcher.free_port()}/postgres"
    env = {**os.environ, "TASKBENCH_VAR": str(tmp_path / "var"), postgres.URL_VARIABLE: silent}
    bench = subprocess.Popen(
        [*BENCH, "--results", str(tmp_path / "results")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=_ignore_sigint if ignored else None,
    )
    seen: dict[int, psutil.Process] = {}
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and bench.poll() is None:
            found = _descendants(bench.pid)
            seen.update({p.pid: p for p in found})
            if any(_is_locust(p) for p in found) and len(found) >= 2:
                break
            time.sleep(0.2)
        assert any(_is_locust(p) for p in seen.values()), "Locust never started"

        bench.send_signal(sig)
        output, _ = bench.communicate(timeout=WAIT)

        assert bench.returncode == 130, output.decode(errors="replace")
        _gone, alive = psutil.wait_procs(list(seen.values()), timeout=15)
        assert alive == []
        # The embedded server said where its cluster was; nothing of it is left there.
        (folder,) = re.findall(r"; data in (\S+)", output.decode(errors="replace"))
        assert not Path(folder).exists()
        found = tmp_path / "results" / "latest" / "results.json"
        document = json.loads(found.read_text())
        assert document["run"]["status"] == "interrupted"
        assert results.validate(document) == []
    finally:
        if bench.poll() is None:
            bench.kill()
        for process in seen.values():
            if process.is_running():
                process.kill()

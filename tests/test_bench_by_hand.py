"""Load by hand, as under docker compose: `taskbench seed`, then Locust without the runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from taskbench import databases, launcher

ROOT = Path(__file__).resolve().parent.parent
TASKBENCH = [sys.executable, "-m", "taskbench"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A FastAPI server on a fresh SQLite file; its base URL."""
    folder = tmp_path_factory.mktemp("by-hand")
    database = databases.sqlite_url(folder / "tasks.sqlite3")
    port = launcher.free_port()
    with launcher.ServerProcess("fastapi", "uvicorn", database, port, log_path=folder / "log"):
        yield f"http://127.0.0.1:{port}"


def total(url: str) -> int:
    """How many tasks the server holds."""
    return httpx.get(f"{url}/api/v1/tasks").json()["total"]


def test_seed_fills_to_the_number_asked_and_adds_nothing_when_full(server: str) -> None:
    first = subprocess.run([*TASKBENCH, "seed", server, "--rows", "120"], capture_output=True)
    assert first.returncode == 0, first.stderr
    assert total(server) == 120
    again = subprocess.run(
        [*TASKBENCH, "seed", server, "--rows", "100"], capture_output=True, text=True
    )
    assert again.returncode == 0
    assert "0 created now" in again.stdout
    assert total(server) == 120


def test_seed_of_an_unreachable_server_is_one_line_and_exit_1() -> None:
    url = f"http://127.0.0.1:{launcher.free_port()}"
    done = subprocess.run([*TASKBENCH, "seed", url], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith(f"taskbench seed: error: {url}")
    assert len(done.stderr.strip().splitlines()) == 1


def test_locust_without_the_runner_learns_the_ids_and_runs_until_its_own_time_limit(
    server: str,
) -> None:
    # Leave a gap after a block of consecutive ids: reads must stay inside the block.
    assert subprocess.run([*TASKBENCH, "seed", server, "--rows", "120"]).returncode == 0
    assert httpx.delete(f"{server}/api/v1/tasks/100").status_code == 204
    done = subprocess.run(
        [
            sys.executable, "-m", "locust", "-f", "benchmarks/locustfile.py", "ReadUser",
            "ListUser", "--headless", "-u", "2", "-r", "2", "-t", "12s", "--host", server,
            "--only-summary",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # Locust exits 1 when any request failed: every read found its task, every page its ids.
    assert done.returncode == 0, done.stderr[-2000:]
    assert "reading tasks 1..99" in done.stderr
    # It ran its own 12 s instead of stopping after a measured window of the runner's.
    assert "--run-time limit reached" in done.stderr

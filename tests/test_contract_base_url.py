"""The contract suite can test any running deployment, not only servers it starts itself."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from taskbench import databases, launcher

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider"]


def test_contract_suite_passes_against_a_server_given_by_base_url(tmp_path: Path) -> None:
    database = databases.sqlite_url(tmp_path / "deployment.sqlite3")
    port = launcher.free_port()
    with launcher.ServerProcess("fastapi", "uvicorn", database, port, log_path=tmp_path / "log"):
        url = f"http://127.0.0.1:{port}"
        done = subprocess.run(
            [*PYTEST, "--base-url", url], cwd=ROOT, capture_output=True, text=True, timeout=600
        )
    assert done.returncode == 0, done.stdout[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary)}
    assert counts["passed"] > 400
    assert "failed" not in counts
    # Only the tests that must start servers or control the database are left out.
    assert 0 < counts["skipped"] < 5


def test_base_url_cannot_be_combined_with_impl() -> None:
    done = subprocess.run(
        [*PYTEST, "--base-url", "http://127.0.0.1:9", "--impl", "flask"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4  # pytest's usage error
    assert "--base-url tests one running deployment" in done.stderr

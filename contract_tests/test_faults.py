"""Faults under load: SIGTERM loses no acknowledged write, a killed worker is replaced.

Each test starts a server of its own (the default production variant) on a fresh database, so
the shared servers of the other tests are never disturbed. Loads are bounded by count.
"""

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil

from contract_tests.helpers import TASKS, describe, task_url, wait_for
from taskbench import launcher, registry

WRITERS = 16
MAX_CREATES = 150  # per writer, so the load stops by count even if the server never stops
SIGTERM_AFTER = 100  # acknowledged creates before the signal


def workers_of(pid: int, port: int) -> set[int]:
    """The worker processes of a server: its descendants that listen on its port."""
    found = set()
    for child in psutil.Process(pid).children(recursive=True):
        try:
            listening = child.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in listening):
            found.add(child.pid)
    return found


def test_sigterm_under_load_loses_no_acknowledged_write(launch, connect, own_target):
    impl, database = own_target.impl, own_target.database
    with launch(impl, database, f"{impl}_sigterm") as server:
        acknowledged: list[dict] = []
        unexpected: list[str] = []
        unanswered = 0
        enough = threading.Event()
        lock = threading.Lock()

        def write(writer: int, client: httpx.Client) -> None:
            nonlocal unanswered
            for n in range(MAX_CREATES):
                try:
                    response = client.post(TASKS, json={"title": f"SIGTERM {writer}-{n}"})
                except httpx.TransportError as error:
                    with lock:
                        unanswered += 1
                        if not enough.is_set():
                            unexpected.append(f"no answer before SIGTERM: {error!r}")
                    if enough.is_set():
                        return  # the server is going, as it was told to
                    continue
                with lock:
                    if response.status_code == 201:
                        acknowledged.append(response.json())
                        if len(acknowledged) >= SIGTERM_AFTER:
                            enough.set()
                    else:
                        unexpected.append(describe(response))

        limits = httpx.Limits(max_connections=WRITERS)
        process = server.process.process
        with (
            connect(server, timeout=30.0, limits=limits) as client,
            ThreadPoolExecutor(WRITERS) as pool,
        ):
            running = [pool.submit(write, n, client) for n in range(WRITERS)]
            assert enough.wait(120), f"only {len(acknowledged)} creates were acknowledged"
            os.killpg(process.pid, signal.SIGTERM)
            exit_code = process.wait(60)
            for future in running:
                future.result()

        assert unexpected == [], unexpected[:5]
        assert exit_code == 0, server.process.log_tail()

        # A new server on the same database must hold every acknowledged task, as acknowledged.
        variant = registry.get(impl).default_variant.name
        port = launcher.free_port()
        with (
            launcher.ServerProcess(impl, variant, server.database_url, port),
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as again,
        ):
            for task in acknowledged:
                response = again.get(task_url(task["id"]))
                assert response.status_code == 200, describe(response)
                assert response.json() == task
            stored = again.get(TASKS, params={"per_page": 1}).json()["total"]
        # A create the server finished just as its client's connection closed is stored but
        # unacknowledged; nothing else may appear.
        assert len(acknowledged) <= stored <= len(acknowledged) + unanswered


def test_a_killed_worker_is_replaced_and_the_server_keeps_serving(launch, connect, own_target):
    impl, database = own_target.impl, own_target.database
    with launch(impl, database, f"{impl}_worker") as server, connect(server) as api:
        pid, port = server.process.process.pid, server.process.port
        workers = wait_for(lambda: workers_of(pid, port), "finding the workers")
        assert len(workers) >= 2, f"{impl}: expected several workers, found {workers}"
        victim = min(workers)

        os.kill(victim, signal.SIGKILL)

        for n in range(40):
            response = api.post(TASKS, json={"title": f"Served after a worker died {n}"})
            assert response.status_code == 201, describe(response)

        def replaced() -> bool:
            now = workers_of(pid, port)
            return victim not in now and len(now) >= len(workers)

        wait_for(replaced, "replacing the killed worker")
        assert server.process.process.poll() is None
        for _ in range(20):
            assert api.get("/health").status_code == 200

"""Faults under load: a killed worker is replaced, SIGTERM loses no acknowledged write.

Each implementation x database gets a server of this module's own (the default production
variant) on a fresh database, so the shared servers of the other tests are never disturbed.
Its worker is killed first; then it is sent SIGTERM, which ends it. A test that finds it ended
starts another on a fresh database. Loads are bounded by count.
"""

import itertools
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import psutil
import pytest

from contract_tests.conftest import NO_CONTROL, Selection, Server, Target, running_server
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


class Servers:
    """This module's servers, one per target at a time; all stopped when the module ends."""

    def __init__(self, selection: Selection, stack: ExitStack) -> None:
        self._selection = selection
        self._stack = stack
        self._running: dict[Target, Server] = {}
        self._count = itertools.count()

    def running(self, target: Target) -> Server:
        """The target's server the last test left running, or a new one on a fresh database."""
        server = self._running.get(target)
        if server is None or server.process is None or server.process.process.poll() is not None:
            name = f"{target.impl}_faults_{next(self._count)}"
            server = self._stack.enter_context(
                running_server(self._selection, target.impl, target.database, name)
            )
            self._running[target] = server
        return server


@pytest.fixture(scope="module")
def servers(selection: Selection) -> Iterator[Servers]:
    """This module's servers; skips under --base-url."""
    if selection.base_url:
        pytest.skip(NO_CONTROL)
    with ExitStack() as stack:
        yield Servers(selection, stack)


@pytest.fixture
def faults_server(servers: Servers, own_target: Target) -> Server:
    """This target's server of the module, running."""
    return servers.running(own_target)


def test_a_killed_worker_is_replaced_and_the_server_keeps_serving(faults_server, connect):
    server = faults_server
    impl = server.impl
    with connect(server) as api:
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


def test_sigterm_under_load_loses_no_acknowledged_write(faults_server, connect):
    server = faults_server
    impl = server.impl
    with connect(server) as api:  # the tasks an earlier test left
        before = api.get(TASKS, params={"per_page": 1}).json()["total"]
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

    # A new server on the same database must hold every acknowledged task, as acknowledged
    # (one worker is enough to read them back).
    variant = registry.get(impl).default_variant.name
    port = launcher.free_port()
    with (
        launcher.ServerProcess(impl, variant, server.database_url, port, workers=1),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as again,
    ):
        for task in acknowledged:
            response = again.get(task_url(task["id"]))
            assert response.status_code == 200, describe(response)
            assert response.json() == task
        stored = again.get(TASKS, params={"per_page": 1}).json()["total"] - before
    # A create the server finished just as its client's connection closed is stored but
    # unacknowledged; nothing else may appear.
    assert len(acknowledged) <= stored <= len(acknowledged) + unanswered

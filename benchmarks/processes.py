"""Every process the benchmark starts, kept track of so that Ctrl-C or SIGTERM stops them all.

Locust and wrk run in process groups of their own and servers through
taskbench.launcher.ServerProcess, which also stops its whole group; nothing is ever looked up
or killed by name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from typing import Any, Protocol

from benchmarks.servers import start_timed
from taskbench import launcher

GRACE = 5.0


class Closable(Protocol):
    """Something started that must be stopped, such as the database-latency proxy."""

    def close(self) -> None:
        """Stop it."""


def stop_group(process: subprocess.Popen[Any], grace: float = GRACE) -> None:
    """SIGTERM a child's process group, then SIGKILL it if it lingers."""
    if process.poll() is None:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


class Children:
    """The load generators and servers this run started and has not stopped yet."""

    def __init__(self) -> None:
        self._processes: dict[int, subprocess.Popen[Any]] = {}
        self._servers: dict[int, launcher.ServerProcess] = {}
        self._routes: dict[int, Closable] = {}

    def spawn(self, argv: list[str], **options: Any) -> subprocess.Popen[Any]:
        """Start a command in a process group of its own and remember it."""
        process = subprocess.Popen(argv, start_new_session=True, **options)
        self._processes[process.pid] = process
        return process

    def finish(self, process: subprocess.Popen[Any]) -> None:
        """Stop a command (if it still runs) and forget it."""
        stop_group(process)
        self._processes.pop(process.pid, None)

    def track(self, server: launcher.ServerProcess) -> None:
        """Remember a server (before starting it) so that stop_all stops it."""
        self._servers[id(server)] = server

    def release(self, server: launcher.ServerProcess) -> None:
        """Stop a server and forget it."""
        server.stop()
        self._servers.pop(id(server), None)

    @contextlib.contextmanager
    def server(self, server: launcher.ServerProcess) -> Iterator[None]:
        """Start a server, and stop it when the block ends, however it ends."""
        self.track(server)
        try:
            start_timed(server)
            yield
        finally:
            self.release(server)

    def track_route(self, route: Closable) -> None:
        """Remember a database route (the latency proxy) so that stop_all closes it."""
        self._routes[id(route)] = route

    def release_route(self, route: Closable) -> None:
        """Close a database route and forget it."""
        route.close()
        self._routes.pop(id(route), None)

    def stop_all(self) -> None:
        """Stop everything still running: Locust and wrk, then servers, then proxies."""
        for process in list(self._processes.values()):
            self.finish(process)
        for server in list(self._servers.values()):
            self.release(server)
        for route in list(self._routes.values()):
            self.release_route(route)

    @property
    def running(self) -> list[int]:
        """Process ids of what is still tracked (servers by their group leader)."""
        pids = list(self._processes)
        pids += [s.process.pid for s in self._servers.values() if s.process is not None]
        return pids


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Ignore Ctrl-C and SIGTERM for the duration, so that a second one cannot cut cleanup short."""
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def interrupts_as_keyboard_interrupt() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into KeyboardInterrupt for the duration.

    SIGINT too: a process started with SIGINT ignored (a background job of a shell script)
    would otherwise run on through Ctrl-C or `kill -INT`.
    """
    previous = {
        sig: signal.signal(sig, _raise_keyboard_interrupt)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

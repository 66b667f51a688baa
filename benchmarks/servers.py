"""Servers under test: started through the launcher on pinned cores, their startup timed.

Two startup times are kept: from spawning `taskbench serve` (which first runs the
implementation's migration tool, a no-op on the already migrated copy) to the first healthy
answer, and from the moment that process became the production server (exec) to it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from taskbench import databases, launcher, registry

START_TIMEOUT = 120.0
# A server that fails to start is given one more try on a new port: on a shared machine another
# process may take the free port between the check and the bind.
START_ATTEMPTS = 2


@dataclass(frozen=True)
class Startup:
    """How long a server took to answer /health."""

    start_to_healthy: float
    exec_to_healthy: float | None


def _still_taskbench(pid: int) -> bool | None:
    try:
        argv = psutil.Process(pid).cmdline()
    except psutil.Error:
        return None
    return argv[1:3] == ["-m", "taskbench"]


def start_timed(server: launcher.ServerProcess, timeout: float = START_TIMEOUT) -> Startup:
    """Start a server (it must not be running) and time its startup; retry once on failure."""
    for _ in range(START_ATTEMPTS - 1):
        try:
            return _start_timed(server, timeout)
        except launcher.LaunchError:
            server.port = launcher.free_port()
    return _start_timed(server, timeout)


def _start_timed(server: launcher.ServerProcess, timeout: float) -> Startup:
    exec_at: list[float] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if server.process is not None:
                running = _still_taskbench(server.process.pid)
                if running is None:
                    return
                if not running:
                    exec_at.append(time.monotonic())
                    return
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, name="exec-watch", daemon=True)
    watcher.start()
    try:
        server.start(timeout)
    finally:
        done.set()
        watcher.join(timeout=2)
    healthy_at = server.started_at + server.ready_after
    return Startup(
        start_to_healthy=round(server.ready_after, 3),
        exec_to_healthy=round(healthy_at - exec_at[0], 3) if exec_at else None,
    )


def describe(impl_name: str, variant_name: str, cpus: set[int], port: int) -> dict[str, Any]:
    """Server model, worker count from the registry's rule for the pinned cores, and argv."""
    impl = registry.get(impl_name)
    variant = impl.variant(variant_name)
    workers = registry.default_workers(variant.worker_model, len(cpus))
    cfg = registry.ServeConfig(
        host="127.0.0.1",
        port=port,
        database_url="DATABASE_URL",
        workers=workers,
        threads=registry.GTHREAD_THREADS,
    )
    return {
        "server": variant.server,
        "worker_model": variant.worker_model,
        "worker_rule": registry.WORKER_RULES[variant.worker_model],
        "workers": workers,
        "threads": registry.GTHREAD_THREADS if variant.worker_model == "gthread" else 1,
        "db_connections": registry.db_connections(variant, workers).as_dict(),
        "server_command": variant.command(cfg),
        "migrate_command": impl.migrate(cfg),
    }


def make(
    impl: str, variant: str, database_url: str, cpus: set[int] | None, log_path: Path
) -> launcher.ServerProcess:
    """A ServerProcess on a free port of 127.0.0.1, pinned to `cpus`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return launcher.ServerProcess(
        impl=impl,
        variant=variant,
        database_url=database_url,
        port=launcher.free_port(),
        log_path=log_path,
        cpus=cpus,
    )


def command(server: launcher.ServerProcess) -> list[str]:
    """The `taskbench serve` command line of a server, its database password hidden."""
    return [databases.redact(arg) if "://" in arg else arg for arg in server.command()]

"""Migrate and serve an implementation, in the foreground or as a managed child process."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from taskbench import databases, registry


class LaunchError(RuntimeError):
    """A server that could not be migrated or started, with a message fit for a terminal."""


def plan(
    impl_name: str,
    variant_name: str | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    database_url: str | None = None,
    workers: int | None = None,
) -> tuple[registry.Implementation, registry.Variant, registry.ServeConfig]:
    """Resolve the registry entry and the full configuration of one server."""
    impl = registry.get(impl_name)
    variant = impl.variant(variant_name)
    url = databases.normalize(database_url or databases.default_url(impl.name))
    cfg = registry.ServeConfig(
        host=host,
        port=port,
        database_url=url,
        workers=workers or registry.default_workers(variant.worker_model),
        threads=registry.GTHREAD_THREADS,
        db_pool_size=registry.db_pool_size(variant.worker_model),
    )
    return impl, variant, cfg


# Variables a server never inherits from whoever starts it, so that what is served is what the
# registry says: the frameworks' debug switches, and those through which gunicorn
# (GUNICORN_CMD_ARGS) and uvicorn (UVICORN_<OPTION>) add options such as --reload to the command.
NOT_INHERITED = ("DJANGO_DEBUG", "FLASK_DEBUG", "GUNICORN_CMD_ARGS")
NOT_INHERITED_PREFIXES = ("UVICORN_",)


def server_environment(impl: registry.Implementation, cfg: registry.ServeConfig) -> dict[str, str]:
    """The environment an implementation's commands run with: the caller's, less NOT_INHERITED."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in NOT_INHERITED and not name.startswith(NOT_INHERITED_PREFIXES)
    }
    env.update(impl.environment(cfg))
    env["DATABASE_URL"] = cfg.database_url
    if cfg.db_pool_size:
        env["DATABASE_POOL_SIZE"] = str(cfg.db_pool_size)
    return env


def import_problem(impl_name: str) -> str | None:
    """Why a server process could not import an implementation's package; None when it can."""
    package = registry.get(impl_name).package
    done = subprocess.run(
        [sys.executable, "-c", f"import {package}"], capture_output=True, text=True, timeout=60
    )
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines()
    return " ".join(lines[-1].split()) if lines else "import failed"


def migrate(impl: registry.Implementation, cfg: registry.ServeConfig) -> None:
    """Bring the implementation's schema up to date with its own migration tool."""
    databases.check_reachable(cfg.database_url)
    done = subprocess.run(
        impl.migrate(cfg), env=server_environment(impl, cfg), capture_output=True, text=True
    )
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise LaunchError(f"migrating {impl.name} failed:\n{tail}")


def serve_foreground(
    impl: registry.Implementation, variant: registry.Variant, cfg: registry.ServeConfig
) -> None:
    """Migrate, then replace this process with the production server."""
    migrate(impl, cfg)
    argv = variant.command(cfg)
    sys.stdout.flush()
    os.execvpe(argv[0], argv, server_environment(impl, cfg))  # noqa: S606


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    """A server started through `taskbench serve` in its own process group."""

    impl: str
    variant: str
    database_url: str
    port: int
    workers: int | None = None
    log_path: Path | None = None
    # CPUs the server may run on (None: no pinning); set in the child before `taskbench serve`
    # starts, so the worker rule counts the pinned cores.
    cpus: set[int] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started_at: float = 0.0
    ready_after: float = 0.0

    @property
    def base_url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The `taskbench serve` command line that starts this server."""
        argv = [
            sys.executable, "-m", "taskbench", "serve", self.impl,
            "--variant", self.variant,
            "--port", str(self.port),
            "--database-url", self.database_url,
        ]  # fmt: skip
        if self.workers:
            argv += ["--workers", str(self.workers)]
        return argv

    def start(self, timeout: float = 60.0) -> ServerProcess:
        """Start the server and wait until /health answers 200."""
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=self._pin if self.cpus else None,
        )
        if self.log_path:
            log.close()
        try:
            self.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        self.ready_after = time.monotonic() - self.started_at
        return self

    def _pin(self) -> None:
        os.sched_setaffinity(0, self.cpus or ())

    def wait_healthy(self, timeout: float) -> None:
        """Poll /health until it answers 200, the process dies, or time runs out."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise LaunchError(f"{self.impl}/{self.variant} exited early: {self.log_tail()}")
                try:
                    if client.get(f"{self.base_url}/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        raise LaunchError(f"{self.impl}/{self.variant} not healthy in {timeout:.0f} s")

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server wrote, for error messages."""
        if not self.log_path or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Workers may outlive their master by a moment; make sure none is left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ServerGroup:
    """Several servers started together and stopped together, whatever happens."""

    def __init__(self, servers: list[ServerProcess]) -> None:
        self.servers = servers

    def __enter__(self) -> ServerGroup:
        previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        self._previous_sigterm = previous
        try:
            for server in self.servers:
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def wait(self) -> None:
        """Block until one server exits (an error) or the user interrupts (Ctrl-C)."""
        try:
            while True:
                for server in self.servers:
                    if server.process is not None and server.process.poll() is not None:
                        raise LaunchError(f"{server.impl} stopped: {server.log_tail()}")
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nStopping...", file=sys.stderr)

    def stop(self) -> None:
        """Stop every server of the group."""
        for server in self.servers:
            server.stop()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        signal.signal(signal.SIGTERM, self._previous_sigterm)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt

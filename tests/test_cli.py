"""The taskbench command line: clear one-line errors, non-zero exits, clean shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from taskbench import launcher

TASKBENCH = [sys.executable, "-m", "taskbench"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run taskbench and capture what it prints."""
    return subprocess.run([*TASKBENCH, *args], capture_output=True, text=True, timeout=60)


def test_list_names_every_implementation_and_variant() -> None:
    done = run("list")
    assert done.returncode == 0
    for name in ("fastapi", "flask", "django", "uvicorn", "gunicorn-sync", "uvicorn-asgi"):
        assert name in done.stdout


def test_unknown_variant_is_a_one_line_error() -> None:
    done = run("serve", "fastapi", "--variant", "nope")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "taskbench: error: fastapi has no variant 'nope' (known: uvicorn, gunicorn-uvicorn)"
    ]


def test_unsupported_database_url_is_a_one_line_error() -> None:
    done = run("serve", "fastapi", "--database-url", "mysql://127.0.0.1/x")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "unsupported database URL" in done.stderr


def test_unreachable_postgres_is_a_one_line_error() -> None:
    port = launcher.free_port()
    done = run("serve", "flask", "--database-url", f"postgresql://127.0.0.1:{port}/nothing")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith(
        f"taskbench: error: cannot connect to postgresql://127.0.0.1:{port}"
    )
    assert "Traceback" not in done.stderr


def test_unknown_implementation_is_refused_by_the_parser() -> None:
    done = run("serve", "rails")
    assert done.returncode == 2
    assert "invalid choice: 'rails'" in done.stderr


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_up_serves_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    port = launcher.free_port()
    env = {**os.environ, "TASKBENCH_VAR": str(tmp_path)}
    up = subprocess.Popen(
        [*TASKBENCH, "up", "--impl", "fastapi", "--base-port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert up.stdout is not None
        for _ in range(200):
            line = up.stdout.readline()
            if "Ctrl-C" in line or not line:
                break
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
        children = _children(up.pid)
        assert children, "the server processes should be children of taskbench up"
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=30) == 0
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert alive == []
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    finally:
        if up.poll() is None:
            up.kill()


def test_serve_takes_the_database_url_from_the_environment(tmp_path: Path) -> None:
    port = launcher.free_port()
    database = tmp_path / "from-env.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    server = subprocess.Popen(
        [*TASKBENCH, "serve", "fastapi", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        probe = launcher.ServerProcess("fastapi", "uvicorn", "", port, process=server)
        probe.wait_healthy(timeout=60)
        created = httpx.post(f"{probe.base_url}/api/v1/tasks", json={"title": "env"}, timeout=5)
        assert created.status_code == 201
        assert database.exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

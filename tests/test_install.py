"""The launcher as the README and the Dockerfiles install it: one implementation's extra alone.

A fresh venv gets `pip install -e ".[fastapi]"` and nothing else (made and filled by uv, which
resolves the same constraints as pip in a fraction of the time). `taskbench list` and
`taskbench serve fastapi` must work there, and every command whose extra is missing must answer
one line naming that extra, with exit code 2 and no traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from taskbench import launcher

ROOT = Path(__file__).resolve().parent.parent
# Each tool and the extra its one-line refusal must name.
TOOLS = {"bench": "bench", "seed": "bench", "report": "report", "fuzz": "fuzz"}


@pytest.fixture(scope="module")
def fastapi_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv holding taskbench with the fastapi extra only; its bin folder."""
    venv = tmp_path_factory.mktemp("fastapi-only") / "venv"
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    installed = subprocess.run(
        [*uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         "-c", "constraints.txt", "-e", ".[fastapi]"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        # Compiled as pip compiles: where PYTHONDONTWRITEBYTECODE is set, nothing else would.
        env={**os.environ, "UV_COMPILE_BYTECODE": "1"},
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    return venv / "bin"


def test_only_the_extra_was_installed(fastapi_only: Path) -> None:
    done = subprocess.run(
        [str(fastapi_only / "python"), "-c", "import locust"], capture_output=True, timeout=60
    )
    assert done.returncode != 0, "locust (the bench extra) should not be in this venv"


def test_list_works_with_one_extra(fastapi_only: Path) -> None:
    done = subprocess.run(
        [str(fastapi_only / "taskbench"), "list"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "fastapi (FastAPI)" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("tool", list(TOOLS))
def test_a_tool_without_its_extra_names_the_extra(fastapi_only: Path, tool: str) -> None:
    arguments = ["http://127.0.0.1:9"] if tool == "seed" else []
    done = subprocess.run(
        [str(fastapi_only / "taskbench"), tool, *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    expected = f"taskbench: error: `taskbench {tool}` needs the {TOOLS[tool]} extra"
    assert lines[0].startswith(expected)
    assert f".[{TOOLS[tool]}]" in lines[0]


def test_serve_works_with_one_extra(fastapi_only: Path, tmp_path: Path) -> None:
    port = launcher.free_port()
    env = {**os.environ, "TASKBENCH_VAR": str(tmp_path)}
    server = subprocess.Popen(
        [str(fastapi_only / "taskbench"), "serve", "fastapi", "--port", str(port),
         "--database-url", f"sqlite:///{tmp_path / 'tasks.sqlite3'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        probe = launcher.ServerProcess("fastapi", "uvicorn", "", port, process=server)
        probe.wait_healthy(timeout=60)
        health = httpx.get(f"{probe.base_url}/health", timeout=5)
        assert health.status_code == 200
        assert health.json()["database"] == "ok"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

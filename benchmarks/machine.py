"""Facts about the run for the results: the machine and the versions of the software."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

# Every framework, server, driver and tool whose version can move a figure.
PACKAGES = (
    "taskbench", "fastapi", "starlette", "pydantic", "pydantic-core", "sqlalchemy", "asyncpg",
    "aiosqlite", "alembic", "uvicorn", "uvloop", "httptools", "gunicorn", "uvicorn-worker",
    "flask", "flask-smorest", "marshmallow", "werkzeug", "django", "djangorestframework",
    "drf-spectacular", "dj-database-url", "psycopg", "psycopg-binary", "locust", "gevent",
    "geventhttpclient", "psutil", "rich", "httpx",
)  # fmt: skip


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or the platform's answer."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def os_name() -> str:
    """The distribution's pretty name, or the kernel's name."""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, OS and Python."""
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count() or 1,
        "memory_bytes": psutil.virtual_memory().total,
        "os": os_name(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
    }


def versions() -> dict[str, str | None]:
    """Installed version of every package that can move a figure (None when absent)."""
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found

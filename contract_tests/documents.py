"""The OpenAPI document each implementation serves, fetched once a session from real servers.

The document tests and the generated clients need all the implementations' documents at once,
while the contract suite runs one server at a time. So each implementation's default variant
is started here on a fresh SQLite file of its own, all at once, asked for /openapi.json over
HTTP, and stopped again; the suite then checks, on every server it tests, that the document
served there is the same one.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from taskbench import databases, launcher, registry

PATH = "/openapi.json"


def fetch(impl: str, folder: Path) -> dict[str, Any]:
    """Start `impl` on a fresh SQLite file in `folder`, GET its document, stop it."""
    server = launcher.ServerProcess(
        impl,
        registry.get(impl).default_variant.name,
        databases.sqlite_url(folder / f"{impl}.sqlite3"),
        port=launcher.free_port(),
        workers=1,
        log_path=folder / f"{impl}.log",
    )
    with server, httpx.Client(base_url=server.base_url, timeout=15.0) as client:
        response = client.get(PATH)
    if response.status_code != 200:
        raise RuntimeError(f"GET {PATH} of {impl} answered {response.status_code}")
    return response.json()


def generate(impls: list[str]) -> dict[str, dict[str, Any]]:
    """The documents of several implementations, their servers started side by side."""
    folder = Path(tempfile.mkdtemp(prefix="documents-", dir=databases.VAR_DIR.resolve()))
    try:
        with ThreadPoolExecutor(max_workers=len(impls) or 1) as pool:
            found = dict(zip(impls, pool.map(lambda i: fetch(i, folder), impls), strict=True))
    except launcher.LaunchError as exc:
        raise RuntimeError(f"a server for the OpenAPI documents did not start: {exc}") from exc
    return found

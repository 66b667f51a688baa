"""The OpenAPI document an implementation serves, asked of its application without a server.

    python -m contract_tests.documents fastapi     # prints FastAPI's /openapi.json

Each framework's own test client asks the application for /openapi.json, so the document is
made by the same code, through the same view, as the one a server sends; the contract suite
checks that it is byte for byte what the server sends. No database is reached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

PATH = "/openapi.json"


def ask(impl: str) -> bytes:
    """The body of GET /openapi.json, from the implementation's application in this process."""
    if impl == "fastapi":
        from fastapi.testclient import TestClient

        from fastapi_impl.main import app

        return TestClient(app).get(PATH).content
    if impl == "flask":
        from flask_impl import create_app

        return create_app().test_client().get(PATH).data
    if impl == "django":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_impl.config.settings")
        import django
        from django.test import Client

        django.setup()
        return Client().get(PATH, HTTP_HOST="127.0.0.1").content
    raise SystemExit(f"documents: no implementation {impl!r}")


def generate(impls: list[str]) -> dict[str, dict[str, Any]]:
    """The documents of several implementations, each asked in a process of its own, at once."""
    scratch = tempfile.mkdtemp(prefix="taskbench-documents-")
    running = {
        impl: subprocess.Popen(
            [sys.executable, "-m", "contract_tests.documents", impl],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "DATABASE_URL": f"sqlite:///{scratch}/{impl}.sqlite3"},
        )
        for impl in impls
    }
    documents = {}
    for impl, process in running.items():
        out, err = process.communicate(timeout=120)
        if process.returncode != 0:
            lines = err.decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"the {impl} document could not be made: {lines[-1:]}")
        documents[impl] = json.loads(out)
    return documents


if __name__ == "__main__":
    sys.stdout.buffer.write(ask(sys.argv[1]))

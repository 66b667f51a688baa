"""The contract suite can test any running deployment, not only servers it starts itself."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from contract_tests.conftest import NO_CONTROL
from taskbench import databases, launcher

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
# The modules whose tests start servers of their own or stop databases.
CONTROLLING = {
    "test_database_down",
    "test_database_stopped",
    "test_faults",
    "test_served_config",
    "test_variants",
}
# The CRUD modules, whose tests share the deployment's state, and the controlling ones, which
# must skip: enough to prove the suite drives a deployment it did not start. The whole suite
# runs against every implementation in the rest of `nox -s tests`.
MODULES = [
    f"contract_tests/{module}.py"
    for module in sorted(
        {"test_health", "test_create", "test_read", "test_update", "test_delete", "test_ids",
         "test_pagination", *CONTROLLING}
    )
]  # fmt: skip


def test_contract_suite_passes_against_a_server_given_by_base_url(tmp_path: Path) -> None:
    database = databases.sqlite_url(tmp_path / "deployment.sqlite3")
    junit = tmp_path / "contract.xml"
    port = launcher.free_port()
    with launcher.ServerProcess("fastapi", "uvicorn", database, port, log_path=tmp_path / "log"):
        url = f"http://127.0.0.1:{port}"
        done = subprocess.run(
            [*PYTEST, *MODULES, "--base-url", url, f"--junitxml={junit}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 0, done.stdout[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary)}
    assert counts["passed"] > 150
    assert "failed" not in counts
    # Only the tests that must start servers or control the database are left out, and each
    # says so.
    skipped = [
        (case.get("classname", "").rsplit(".", 1)[-1], case.find("skipped").get("message", ""))
        for case in ET.parse(junit).getroot().iter("testcase")  # noqa: S314 - pytest's own file
        if case.find("skipped") is not None
    ]
    assert len(skipped) == counts["skipped"]
    assert {module for module, _ in skipped} == CONTROLLING
    assert all(NO_CONTROL in reason for _, reason in skipped), skipped


def test_base_url_cannot_be_combined_with_impl() -> None:
    done = subprocess.run(
        [*PYTEST, "contract_tests", "--base-url", "http://127.0.0.1:9", "--impl", "flask"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4  # pytest's usage error
    assert "--base-url tests one running deployment" in done.stderr

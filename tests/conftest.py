"""Fixtures shared by the tests of the tooling: the report's fixture inputs, fresh per test.

tests/fixtures/report/ holds a small benchmark run (results.json), the facts gathered for it
(facts.json) and the inputs those facts were read from (contract.xml, fuzz-summary.json,
schemathesis-report.json). Tests that change a document get their own copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reports.facts import model
from taskbench import postgres
from tests.helpers import REPORT_FIXTURES, read_fixture


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The folder of the report's fixture inputs."""
    return REPORT_FIXTURES


@pytest.fixture
def results_doc() -> dict[str, Any]:
    """The fixture results.json as a document of one's own to change."""
    return read_fixture("results.json")


@pytest.fixture
def facts_doc() -> dict[str, Any]:
    """The fixture facts.json as a document of one's own to change."""
    return read_fixture("facts.json")


@pytest.fixture(scope="session")
def facts() -> model.Facts:
    """The fixture facts.json, read as the report reads it."""
    return model.load(REPORT_FIXTURES / "facts.json")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """An admin URL of a PostgreSQL server for the session: the one at 127.0.0.1:5432 (or
    $TASKBENCH_POSTGRES_URL) when it answers, else an embedded one, stopped at the end."""
    with postgres.available() as server:
        yield server.admin_url


# First: pytest-xdist reads the groups in its own hook of the same name.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist, keep each module of the tooling's tests in one process, so that a
    module's costly fixtures (a benchmark run, a fuzz pass) are made once."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.xdist_group(f"tools-{item.path.stem}"))

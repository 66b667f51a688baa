"""Fixtures shared by the tests of the tooling: the report's fixture inputs, fresh per test.

tests/fixtures/report/ holds a small benchmark run (results.json), the facts gathered for it
(facts.json) and the inputs those facts were read from (contract.xml, fuzz-summary.json,
schemathesis-report.json). Tests that change a document get their own copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reports.facts import model
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

"""Where the tests' fixture inputs are, and small factories shared by the tests of the tooling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPORT_FIXTURES = Path(__file__).parent / "fixtures" / "report"


def read_fixture(name: str) -> dict[str, Any]:
    """A JSON document of tests/fixtures/report/, fresh for the caller to change."""
    return json.loads((REPORT_FIXTURES / name).read_text(encoding="utf-8"))

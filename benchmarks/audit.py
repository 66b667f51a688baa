"""The no-data-lost audit after each write window, through the API.

Ids only grow and each Locust process updates and deletes only tasks it created itself, so rows
that existed before a window cannot change during it. The audit therefore takes the count and
the last id before the window, and afterwards reads every row past that id (pages of 100),
checking it against the ledger of writes the server acknowledged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import httpx

TASKS = "/api/v1/tasks"
PAGE = 100
READ_BACK = 20


@dataclass(frozen=True)
class Snapshot:
    """The number of rows and the highest id at one moment."""

    total: int
    last_id: int


@dataclass
class Audit:
    """What the database holds compared with what the server acknowledged."""

    before: int
    after: int
    acknowledged_creates: int
    acknowledged_deletes: int
    uncertain_creates: int
    uncertain_deletes: int
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no row is missing, resurrected or unaccounted for."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The audit as JSON."""
        return {
            "passed": self.passed,
            "rows_before": self.before,
            "rows_after": self.after,
            "expected_rows": self.before + self.acknowledged_creates - self.acknowledged_deletes,
            "acknowledged_creates": self.acknowledged_creates,
            "acknowledged_deletes": self.acknowledged_deletes,
            "uncertain_creates": self.uncertain_creates,
            "uncertain_deletes": self.uncertain_deletes,
            "problems": self.problems,
        }


def _page(api: httpx.Client, page: int, per_page: int) -> dict[str, Any]:
    response = api.get(TASKS, params={"page": page, "per_page": per_page})
    response.raise_for_status()
    return response.json()


def snapshot(base_url: str) -> Snapshot:
    """Count the rows and find the highest id."""
    with httpx.Client(base_url=base_url, timeout=30.0) as api:
        total = _page(api, 1, 1)["total"]
        last = _page(api, total, 1)["items"][0]["id"] if total else 0
    return Snapshot(total=total, last_id=last)


def _ids_after(api: httpx.Client, before: Snapshot) -> tuple[int, set[int]]:
    """The total now, and every id above before.last_id."""
    page = before.total // PAGE + 1
    first = _page(api, page, PAGE)
    found = {t["id"] for t in first["items"] if t["id"] > before.last_id}
    for number in range(page + 1, first["pages"] + 1):
        found |= {t["id"] for t in _page(api, number, PAGE)["items"]}
    return first["total"], found


def audit(base_url: str, before: Snapshot, ledger: dict[str, Any]) -> Audit:
    """Compare the rows written since `before` with the window's ledger."""
    created, deleted = set(ledger["created"]), set(ledger["deleted"])
    uncertain = set(ledger["uncertain_deletes"])
    result = Audit(
        before=before.total,
        after=before.total,
        acknowledged_creates=len(created),
        acknowledged_deletes=len(deleted),
        uncertain_creates=ledger["uncertain_creates"],
        uncertain_deletes=len(uncertain),
    )
    try:
        with httpx.Client(base_url=base_url, timeout=30.0) as api:
            result.after, present = _ids_after(api, before)
            alive = created - deleted
            result.problems += _differences(result, before, present, alive, deleted, uncertain)
            readable = sorted(alive & present)
            for task_id in random.sample(readable, min(READ_BACK, len(readable))):
                if api.get(f"{TASKS}/{task_id}").status_code != 200:
                    result.problems.append(f"acknowledged create {task_id} cannot be read")
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
        result.problems.append(f"the rows could not be read back: {exc!r}")
    return result


def _differences(
    result: Audit,
    before: Snapshot,
    present: set[int],
    alive: set[int],
    deleted: set[int],
    uncertain: set[int],
) -> list[str]:
    """Every way the rows present differ from the acknowledged writes."""
    problems = []
    missing = alive - present - uncertain
    if missing:
        problems.append(f"{len(missing)} acknowledged creates missing, e.g. {min(missing)}")
    back = deleted & present
    if back:
        problems.append(f"{len(back)} acknowledged deletes still present, e.g. {min(back)}")
    unknown = present - alive - uncertain
    if len(unknown) > result.uncertain_creates:
        problems.append(f"{len(unknown)} rows nobody created, e.g. {min(unknown)}")
    expected = before.total + result.acknowledged_creates - result.acknowledged_deletes
    if not (uncertain or result.uncertain_creates) and result.after != expected:
        problems.append(f"{result.after} rows, expected {expected}")
    old_rows = result.after - len(present)
    if old_rows != before.total:
        problems.append(f"rows from before the window: {before.total} -> {old_rows}")
    return problems

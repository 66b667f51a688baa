"""A short contract smoke check of a running server, before any load is put on it.

It walks every route the scenarios use once, with the contract's status codes and shapes, and
leaves the database as it found it (the task it creates is deleted again). The full contract
is proven by contract_tests/; this only makes sure nothing broken gets benchmarked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

TASKS = "/api/v1/tasks"
TASK_FIELDS = {"id", "title", "done", "created_at"}
PAGE_FIELDS = {"items", "page", "per_page", "total", "pages"}


class SmokeError(AssertionError):
    """One smoke check that did not hold."""


@dataclass
class SmokeResult:
    """Which checks passed, and the first one that failed."""

    passed: bool = True
    checks: list[str] = field(default_factory=list)
    failure: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON."""
        return {
            "passed": self.passed,
            "checks": self.checks,
            "failure": self.failure,
            "seconds": round(self.seconds, 3),
        }


def _expect(response: httpx.Response, status: int, media: str = "application/json") -> Any:
    request = response.request
    where = f"{request.method} {request.url.raw_path.decode()}"
    if response.status_code != status:
        raise SmokeError(
            f"{where}: expected {status}, got {response.status_code}: {response.text[:200]!r}"
        )
    if status == 204:
        return None
    got = response.headers.get("content-type", "").split(";")[0].strip()
    if got != media:
        raise SmokeError(f"{where}: expected {media}, got {got!r}")
    return response.json()


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeError(message)


def _health(api: httpx.Client) -> None:
    body = _expect(api.get("/health"), 200)
    _check(body.get("status") == "ok" and body.get("database") == "ok", f"/health said {body}")


def _listing(api: httpx.Client) -> None:
    body = _expect(api.get(TASKS, params={"page": 1, "per_page": 20}), 200)
    _check(set(body) == PAGE_FIELDS, f"a page has {sorted(body)}")
    _check(body["per_page"] == 20 and len(body["items"]) <= 20, "per_page=20 not honoured")
    ids = [item["id"] for item in body["items"]]
    _check(ids == sorted(ids), "items not in id order")


def _crud(api: httpx.Client) -> None:
    created = api.post(TASKS, json={"title": "Smoke check", "done": False})
    task = _expect(created, 201)
    _check(set(task) == TASK_FIELDS, f"a task has {sorted(task)}")
    url = f"{TASKS}/{task['id']}"
    _check(created.headers.get("location") == url, "Location is not the new task's path")
    _check(_expect(api.get(url), 200) == task, "reading the new task gave something else")
    changed = _expect(api.patch(url, json={"done": True}), 200)
    _check(changed["done"] is True and changed["id"] == task["id"], "PATCH did not apply")
    _expect(api.delete(url), 204)
    _expect(api.get(url), 404, "application/problem+json")


def _validation(api: httpx.Client) -> None:
    problem = _expect(api.post(TASKS, json={"title": ""}), 422, "application/problem+json")
    _check(problem.get("status") == 422, f"a 422 problem says {problem}")


CHECKS: dict[str, Callable[[httpx.Client], None]] = {
    "health": _health,
    "list": _listing,
    "create, read, update, delete": _crud,
    "validation": _validation,
}


def smoke_check(base_url: str, timeout: float = 10.0) -> SmokeResult:
    """Run every check against the server; stop at the first failure."""
    result = SmokeResult()
    started = time.monotonic()
    with httpx.Client(base_url=base_url, timeout=timeout) as api:
        for name, check in CHECKS.items():
            try:
                check(api)
            except (SmokeError, httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                result.passed = False
                result.failure = f"{name}: {type(exc).__name__}: {exc}"[:500]
                break
            result.checks.append(name)
    result.seconds = time.monotonic() - started
    return result

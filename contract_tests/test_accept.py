"""Accept is not consulted: every request gets the same answer whatever it accepts, never 406."""

import httpx
import pytest

from contract_tests.helpers import (
    BIGINT_MAX,
    JSON,
    TASKS,
    create_task,
    describe,
    media_type,
    task_url,
)

ACCEPTS = {
    "none": None,
    "any": "*/*",
    "json": "application/json",
    "problem-json": "application/problem+json",
    "browser": (
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
        "image/apng,*/*;q=0.8"
    ),
    "html": "text/html",
    "xml": "application/xml",
}
JSON_TYPE = "application/json"
PROBLEM = "application/problem+json"
# name: (method, path; {id} is a task made for the test), body, status, media type
OPERATIONS = {
    "read-health": ("GET", "/health", None, 200, JSON_TYPE),
    "read-tasks": ("GET", f"{TASKS}?per_page=2&done=false", None, 200, JSON_TYPE),
    "read-tasks-invalid": ("GET", f"{TASKS}?per_page=0", None, 422, PROBLEM),
    "create-task": ("POST", TASKS, b'{"title": "Accepted"}', 201, JSON_TYPE),
    "create-task-invalid": ("POST", TASKS, b'{"title": ""}', 422, PROBLEM),
    "create-task-malformed": ("POST", TASKS, b'{"title": ', 400, PROBLEM),
    "read-task": ("GET", "{id}", None, 200, JSON_TYPE),
    "head-task": ("HEAD", "{id}", None, 200, JSON_TYPE),
    "read-missing-task": ("GET", task_url(BIGINT_MAX), None, 404, PROBLEM),
    "replace-task": (
        "PUT",
        "{id}",
        b'{"title": "Replaced", "done": true}',
        200,
        "application/json",
    ),
    "update-task": ("PATCH", "{id}", b'{"done": true}', 200, JSON_TYPE),
    "delete-task": ("DELETE", "{id}", None, 204, None),
    "method-not-allowed": ("DELETE", TASKS, None, 405, PROBLEM),
    "unknown-path": ("GET", "/api/v1/nothing", None, 404, PROBLEM),
    "openapi": ("GET", "/openapi.json", None, 200, JSON_TYPE),
    "docs": ("GET", "/docs", None, 200, "text/html"),
    "redoc": ("GET", "/redoc", None, 200, "text/html"),
}


def send(api: httpx.Client, method: str, url: str, body: bytes | None, accept: str | None):
    """Send a request with exactly this Accept header, or none at all."""
    request = api.build_request(method, url, content=body, headers=JSON if body else None)
    request.headers.pop("Accept", None)
    if accept is not None:
        request.headers["Accept"] = accept
    return api.send(request)


def url_for(api: httpx.Client, path: str) -> str:
    """The path, with `{id}` a task created for the test."""
    if path == "{id}":
        return task_url(create_task(api, "Asked for in every way")["id"])
    return path


@pytest.mark.parametrize("operation", OPERATIONS, ids=OPERATIONS.keys())
@pytest.mark.parametrize("accept", ACCEPTS.values(), ids=ACCEPTS.keys())
def test_every_request_is_answered_whatever_it_accepts(api, accept, operation):
    method, path, body, status, media = OPERATIONS[operation]

    response = send(api, method, url_for(api, path), body, accept)

    assert response.status_code == status, describe(response)
    if media is None:
        assert "content-type" not in response.headers, describe(response)
        assert response.content == b""
    else:
        assert media_type(response) == media, describe(response)
    if media in (JSON_TYPE, PROBLEM) and method != "HEAD":
        assert isinstance(response.json(), dict), describe(response)

"""Paths that differ from a route only in form: case, slashes, percent-encoding, dot segments.

Every target is sent exactly as written: HTTP client libraries remove dot segments and
may re-encode a path before sending it.
"""

import pytest

from contract_tests.helpers import (
    assert_problem,
    assert_task_response,
    create_task,
    describe,
    send_raw,
)

OTHER_CASE = ["/Health", "/HEALTH", "/API/v1/tasks", "/api/V1/tasks", "/api/v1/Tasks", "/Docs"]
OTHER_SLASHES = [
    "/api//v1/tasks",
    "/api/v1//tasks",
    "//health",
    "///api/v1/tasks",
    "/health//",
    "/api/v1/tasks//{id}",
    "/api/v1/tasks/{id}//",
]
DOT_SEGMENTS = [
    "/./health",
    "/health/.",
    "/api/v1/./tasks",
    "/api/./v1/tasks",
    "/api/v1/x/../tasks",
    "/api/v1/tasks/../tasks",
    "/api/v1/tasks/{id}/.",
    "/api/v1/tasks/x/../{id}",
    "/api/v1/%2e/tasks",
    "/api/v1/x/%2e%2e/tasks",
    "/api/v1/x/%2E%2E/tasks",
    "/api/v1/tasks/.%2e/tasks",
]


def encoded(text: str) -> str:
    """Every character of `text` percent-encoded."""
    return "".join(f"%{ord(c):02X}" for c in text)


@pytest.mark.parametrize("path", OTHER_CASE)
def test_a_path_in_another_case_is_404(server, path):
    response = send_raw(server, "GET", path)

    assert_problem(response, 404)


@pytest.mark.parametrize("path", OTHER_SLASHES)
def test_a_path_with_extra_slashes_is_404_not_a_redirect(server, api, path):
    task = create_task(api, "Behind extra slashes")

    response = send_raw(server, "GET", path.format(id=task["id"]))

    assert_problem(response, 404)
    assert "location" not in response.headers


@pytest.mark.parametrize("path", DOT_SEGMENTS)
def test_dot_segments_are_not_resolved(server, api, path):
    task = create_task(api, "Behind dot segments")

    response = send_raw(server, "GET", path.format(id=task["id"]))

    assert_problem(response, 404)
    assert "location" not in response.headers


@pytest.mark.parametrize(
    "form",
    [
        "/api/v1/%74asks/{id}",
        "/api/v1/tasks/{encoded_id}",
        "/%61pi/v1/tasks/{id}",
        "/api/v1/tasks%2F{id}",
        "/api/v1/tasks%2f{id}",
    ],
)
def test_percent_encoded_characters_are_the_characters_themselves(server, api, form):
    task = create_task(api, "Found however its path is spelled")
    path = form.format(id=task["id"], encoded_id=encoded(str(task["id"])))

    response = send_raw(server, "GET", path)

    assert assert_task_response(response) == task


def test_a_percent_encoded_path_to_health_is_health(server):
    response = send_raw(server, "GET", "/%68ealth")

    assert response.status_code == 200, describe(response)
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/health%3F", "/%48ealth", "/api/v1/tasks%2F", "/health%20"])
def test_a_path_that_decodes_to_no_route_is_404(server, path):
    response = send_raw(server, "GET", path)

    assert_problem(response, 404)

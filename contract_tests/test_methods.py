"""Every method of RFC 9110 (and PATCH) on every path: served, HEAD like GET, 405 with Allow.

Methods that are none of those ten are answered 501 by the HTTP server itself.
"""

import pytest

from contract_tests.helpers import (
    BIGINT_MAX,
    TASKS,
    assert_problem,
    create_task,
    describe,
    get_task,
    send_raw,
    task_url,
    total,
)

TASK = "/api/v1/tasks/{id}"
SERVED = {
    "/health": {"GET", "HEAD"},
    "/openapi.json": {"GET", "HEAD"},
    "/docs": {"GET", "HEAD"},
    "/redoc": {"GET", "HEAD"},
    TASKS: {"GET", "HEAD", "POST"},
    TASK: {"GET", "HEAD", "PUT", "PATCH", "DELETE"},
}
RFC_METHODS = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY",
]  # fmt: skip
REFUSED = [
    (path, method)
    for path, served in SERVED.items()
    for method in RFC_METHODS
    if method not in served
]
VALID = {"title": "Sent with a method the path refuses", "done": True}
HEAD_TARGETS = {
    "health": "/health",
    "list": f"{TASKS}?per_page=2",
    "invalid-query": f"{TASKS}?per_page=0",
    "task": TASK,
    "missing-task": task_url(BIGINT_MAX),
    "id-that-cannot-name-a-task": task_url(0),
    "unknown-path": "/api/v1/nothing",
    "openapi": "/openapi.json",
    "docs": "/docs",
    "redoc": "/redoc",
}
HEADERS_OF_HEAD = ("content-type", "content-length", "x-content-type-options", "allow")


def allow_header(path: str) -> str:
    """The Allow header CONTRACT.md gives a path's 405."""
    return ", ".join(sorted(SERVED[path]))


def url_of(api, path: str) -> str:
    """The path itself, or a task created for the test."""
    if path == TASK:
        return task_url(create_task(api, "Asked with every method")["id"])
    return path


@pytest.mark.parametrize(("path", "method"), REFUSED, ids=[f"{m} {p}" for p, m in REFUSED])
def test_a_method_the_path_does_not_serve_is_405_with_its_allow_header(api, path, method):
    url = url_of(api, path)
    body = {"json": VALID} if method in ("POST", "PUT", "PATCH") else {}

    response = api.request(method, url, **body)

    assert_problem(response, 405)
    assert response.headers.get("allow") == allow_header(path), describe(response)


def test_refused_methods_change_nothing(api):
    task = create_task(api, "Refused all round")
    before = total(api)

    answers = [
        api.post(task_url(task["id"]), json=VALID),
        api.put(TASKS, json=VALID),
        api.patch(TASKS, json=VALID),
        api.delete(TASKS),
        api.request("TRACE", task_url(task["id"])),
        api.options(task_url(task["id"])),
    ]

    assert [a.status_code for a in answers] == [405] * 6, [describe(a) for a in answers]
    assert total(api) == before
    assert get_task(api, task["id"]) == task


@pytest.mark.parametrize("target", HEAD_TARGETS.values(), ids=HEAD_TARGETS.keys())
def test_head_is_answered_like_get_without_a_body(api, target):
    url = url_of(api, target)

    got = api.get(url)
    head = api.head(url)

    assert head.status_code == got.status_code, (describe(head), describe(got))
    assert head.content == b"", describe(head)
    for name in HEADERS_OF_HEAD:
        if name == "content-length" and target == "/health":
            continue  # the uptime in the body changes between the two requests
        assert head.headers.get(name) == got.headers.get(name), (name, describe(head))


@pytest.mark.parametrize("target", ["/health", TASKS, TASK, "/openapi.json", "/docs"])
def test_allow_is_sent_with_405_answers_only(api, target):
    url = url_of(api, target)

    answers = [api.get(url), api.head(url)]

    assert [a.status_code for a in answers] == [200, 200], [describe(a) for a in answers]
    for answer in answers:
        assert "allow" not in answer.headers, describe(answer)


# What the HTTP server answers before any framework runs


@pytest.mark.parametrize("method", ["FOO", "PROPFIND", "PURGE", "get", "Patch", "query"])
@pytest.mark.parametrize("path", ["/health", TASKS, task_url(1)])
def test_a_method_outside_the_ten_is_501_from_the_server(server, api, method, path):
    before = total(api)

    response = send_raw(server, method, path)

    assert_problem(response, 501)
    assert total(api) == before


def test_an_authority_target_is_400_from_the_server(server):
    response = send_raw(server, "CONNECT", "127.0.0.1:443")

    assert_problem(response, 400)


def test_the_asterisk_target_names_no_path(server):
    response = send_raw(server, "OPTIONS", "*")

    assert_problem(response, 404)


def test_an_absolute_target_is_answered_like_its_path(server):
    response = send_raw(server, "GET", f"{server.base_url}/health")

    assert response.status_code == 200, describe(response)
    assert response.json()["status"] == "ok"

"""Factories and assertions shared by the contract tests.

Every helper talks to a server over real HTTP through an `httpx.Client` whose base URL is the
server's root, and checks only what CONTRACT.md promises.
"""

from __future__ import annotations

import json
import math
import re
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx

TASKS = "/api/v1/tasks"
BIGINT_MAX = 2**63 - 1
MAX_BODY = 65_536

TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}
TASK_FIELDS = {"id", "title", "done", "created_at"}
PAGE_FIELDS = {"items", "page", "per_page", "total", "pages"}
CREATED_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
JSON = {"Content-Type": "application/json"}
RAW_TARGET = "x-taskbench-raw-target"

# A caller that asks for every debug mode the frameworks and servers read from the environment.
DEBUG_CALLER = {
    "DJANGO_DEBUG": "1",  # django_impl/config/settings.py
    "FLASK_DEBUG": "1",  # read by Flask itself when an application is created
    "GUNICORN_CMD_ARGS": "--reload --log-level debug",  # gunicorn takes options from it
    "UVICORN_RELOAD": "true",  # uvicorn takes any option from UVICORN_<OPTION>
    "UVICORN_LOG_LEVEL": "trace",
}
# What a body that reached a client must never look like.
LEAKS = ("traceback (most recent call last)", "<html", "<!doctype", "<body", 'file "/')


def task_url(task_id: int | str) -> str:
    """The path of one task."""
    return f"{TASKS}/{task_id}"


def media_type(response: httpx.Response) -> str:
    """The response's media type without parameters, lower-cased."""
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def describe(response: httpx.Response) -> str:
    """The request and the start of the response, for assertion messages."""
    request = response.request
    target = request.headers.get(RAW_TARGET) or request.url.raw_path.decode()
    return (
        f"{request.method} {target} -> {response.status_code} "
        f"{response.headers.get('content-type')!r}: {response.text[:500]!r}"
    )


# Polling, bounded by count: a server recovering or a process replaced takes its own time.

PAUSE = 0.25


def wait_for(check: Callable[[], Any], what: str, attempts: int = 120) -> Any:
    """Call `check` a bounded number of times until it returns something true; return that."""
    for _ in range(attempts):
        if result := check():
            return result
        time.sleep(PAUSE)
    raise AssertionError(f"{what} did not happen after {attempts} attempts")


def eventually(
    send: Callable[[], httpx.Response], status: int, attempts: int = 120
) -> httpx.Response:
    """Repeat a request a bounded number of times until it answers `status`."""
    response = None
    for _ in range(attempts):
        try:
            response = send()
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code == status:
            return response
        time.sleep(PAUSE)
    last = describe(response) if response is not None else "no answer"
    raise AssertionError(f"still not {status} after {attempts} attempts; last: {last}")


# Raw sockets, for what an HTTP client library will not send. Every read is bounded.

# How long a raw-socket test waits for an answer before calling it a hang.
ANSWER_TIMEOUT = 30.0


def parse_responses(received: bytes, base_url: str) -> list[httpx.Response]:
    """The HTTP/1.1 responses in the bytes a server sent on one connection."""
    answers = []
    while received:
        head, _, rest = received.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines]
        length = int({k.lower(): v for k, v in headers}.get("content-length", len(rest)))
        answers.append(
            httpx.Response(
                int(status_line.split()[1]),
                headers=headers,
                content=rest[:length],
                request=httpx.Request("POST", base_url),
            )
        )
        received = rest[length:]
    return answers


def connect_raw(server: Any) -> socket.socket:
    """A raw connection to the server under test."""
    host, port = server.base_url.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=ANSWER_TIMEOUT)


def read_responses(sock: socket.socket, base_url: str) -> list[httpx.Response]:
    """Every response on a connection until the server closes it."""
    received = b""
    while chunk := sock.recv(65_536):
        received += chunk
    return parse_responses(received, base_url)


def exchange(server: Any, data: bytes) -> list[httpx.Response]:
    """Send raw bytes on one connection; every response read until the server closes it."""
    with connect_raw(server) as sock:
        sock.sendall(data)
        return read_responses(sock, server.base_url)


def send_raw(server: Any, method: str, target: str) -> httpx.Response:
    """One request whose target is sent exactly as written (no client normalises it); its answer."""
    host = server.base_url.split("://", 1)[1].rstrip("/")
    data = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    answers = exchange(server, data.encode("latin-1"))
    assert answers, f"{method} {target}: the server closed the connection without answering"
    # For assertion messages, the target as sent (httpx.URL would normalise it).
    answers[0].request = httpx.Request(method, server.base_url, headers={RAW_TARGET: target})
    return answers[0]


# Factories


def create_task(client: httpx.Client, title: str = "Write the report", **fields: Any) -> dict:
    """Create a task and return it; fails the test unless the server answers 201."""
    response = client.post(TASKS, json={"title": title, **fields})
    assert response.status_code == 201, describe(response)
    return response.json()


def create_tasks(client: httpx.Client, count: int, title: str = "Batch task") -> list[dict]:
    """Create `count` tasks one after the other and return them in creation order."""
    return [create_task(client, f"{title} {n}") for n in range(count)]


def get_task(client: httpx.Client, task_id: int) -> dict:
    """Read a task; fails the test unless the server answers 200."""
    response = client.get(task_url(task_id))
    assert response.status_code == 200, describe(response)
    return response.json()


def delete_task(client: httpx.Client, task_id: int) -> None:
    """Delete a task; fails the test unless the server answers 204."""
    response = client.delete(task_url(task_id))
    assert response.status_code == 204, describe(response)


def read_page(client: httpx.Client, **params: Any) -> dict:
    """One page of the listing; fails the test unless the server answers 200."""
    response = client.get(TASKS, params=params)
    assert response.status_code == 200, describe(response)
    return response.json()


def total(client: httpx.Client, **params: Any) -> int:
    """How many tasks match the given filter right now."""
    return read_page(client, per_page=1, **params)["total"]


def ensure_tasks(client: httpx.Client, at_least: int) -> int:
    """Create tasks until the database holds at least `at_least`; return the total."""
    count = total(client)
    if count < at_least:
        create_tasks(client, at_least - count, title="Filler task")
        count = total(client)
    assert count >= at_least
    return count


def last_page(client: httpx.Client, per_page: int = 100, **params: Any) -> dict:
    """The last non-empty page of the listing (page 1 when nothing matches)."""
    first = read_page(client, page=1, per_page=per_page, **params)
    if first["pages"] <= 1:
        return first
    return read_page(client, page=first["pages"], per_page=per_page, **params)


def expected_pages(count: int, per_page: int) -> int:
    """`pages` as the contract defines it."""
    return math.ceil(count / per_page)


def raw_request(
    client: httpx.Client,
    method: str,
    url: str,
    body: bytes | str,
    content_type: str | None = "application/json",
) -> httpx.Response:
    """Send a body exactly as given, with the given Content-Type or none at all."""
    content = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type} if content_type is not None else {}
    request = client.build_request(method, url, content=content, headers=headers)
    if content_type is None:
        request.headers.pop("Content-Type", None)
    return client.send(request)


def padded_json(document: dict, size: int) -> bytes:
    """A JSON object serialised to exactly `size` bytes, padded with insignificant spaces."""
    text = json.dumps(document)
    assert text.endswith("}")
    assert len(text) <= size
    return (text[:-1] + " " * (size - len(text)) + "}").encode()


# Assertions


def assert_no_leak(response: httpx.Response) -> None:
    """No stack trace, debug page or HTML in a response body."""
    text = response.text.lower()
    for marker in LEAKS:
        assert marker not in text, f"body leaks {marker!r}: {describe(response)}"


def assert_json(response: httpx.Response) -> Any:
    """A successful response is application/json; return its parsed body."""
    assert media_type(response) == "application/json", describe(response)
    return response.json()


def assert_problem(
    response: httpx.Response,
    status: int,
    *,
    fields: set[str] | None = None,
    at_least: set[str] | None = None,
) -> dict:
    """An RFC 9457 problem with the contract's exact title; return its body.

    For a 422, `fields` is the exact set of names `errors` must hold and `at_least` a set it
    must include.
    """
    assert response.status_code == status, describe(response)
    assert media_type(response) == "application/problem+json", describe(response)
    assert_no_leak(response)
    problem = response.json()
    assert isinstance(problem, dict), describe(response)
    assert problem.get("type") == "about:blank", describe(response)
    assert problem.get("title") == TITLES[status], describe(response)
    assert problem.get("status") == status, describe(response)
    assert type(problem["status"]) is int, describe(response)
    detail = problem.get("detail")
    assert isinstance(detail, str), describe(response)
    assert detail.strip(), describe(response)
    if status == 422:
        named = error_fields(problem)
        if fields is not None:
            assert named == fields, f"errors name {sorted(named)}, expected {sorted(fields)}"
        if at_least is not None:
            assert named >= at_least, f"errors name {sorted(named)}, expected {sorted(at_least)}"
    return problem


def error_fields(problem: dict) -> set[str]:
    """The field names a 422 problem's `errors` list names; checks the list's shape."""
    errors = problem.get("errors")
    assert isinstance(errors, list), f"422 without an errors list: {problem!r}"
    assert errors, f"422 with an empty errors list: {problem!r}"
    for error in errors:
        assert isinstance(error, dict), problem
        assert set(error) == {"field", "message"}, problem
        assert isinstance(error["field"], str), problem
        assert error["field"], problem
        assert isinstance(error["message"], str), problem
        assert error["message"].strip(), problem
    return {error["field"] for error in errors}


def assert_task_shape(task: Any) -> None:
    """Exactly the four fields of a task, with the contract's types and formats."""
    assert isinstance(task, dict), task
    assert set(task) == TASK_FIELDS, task
    assert type(task["id"]) is int, task
    assert 1 <= task["id"] <= BIGINT_MAX, task
    assert isinstance(task["title"], str), task
    assert type(task["done"]) is bool, task
    assert isinstance(task["created_at"], str), task
    assert CREATED_AT.match(task["created_at"]), task


def assert_task_response(response: httpx.Response, status: int = 200) -> dict:
    """A response carrying one task: status, application/json and the task's shape."""
    assert response.status_code == status, describe(response)
    task = assert_json(response)
    assert_task_shape(task)
    return task


def assert_page_shape(page: Any) -> None:
    """Exactly the five fields of a page, consistent with each other."""
    assert isinstance(page, dict), page
    assert set(page) == PAGE_FIELDS, page
    assert isinstance(page["items"], list), page
    for name in ("page", "per_page", "total", "pages"):
        assert type(page[name]) is int, page
    assert page["pages"] == expected_pages(page["total"], page["per_page"]), page
    assert len(page["items"]) <= page["per_page"], page
    for task in page["items"]:
        assert_task_shape(task)


def assert_allow(response: httpx.Response, allowed: set[str]) -> None:
    """A 405 whose Allow header lists the allowed methods (HEAD and OPTIONS may be added)."""
    assert "allow" in response.headers, describe(response)
    listed = {m.strip().upper() for m in response.headers["allow"].split(",") if m.strip()}
    assert listed >= allowed, f"Allow: {response.headers['allow']!r}, expected {sorted(allowed)}"
    extra = listed - allowed - {"HEAD", "OPTIONS"}
    assert not extra, f"Allow: {response.headers['allow']!r} lists {sorted(extra)}"
    assert response.request.method not in listed, response.headers["allow"]

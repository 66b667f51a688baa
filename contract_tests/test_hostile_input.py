"""Hostile input beyond well-formed requests: deep nesting, repeated parameters, lying lengths.

Each gets the contract's clear 4xx (or, where the client stops sending, a closed connection),
never a 5xx, a hang, an acknowledged write or a leaked stack trace. The raw-socket tests use
http.client, which sends headers exactly as written; every read is bounded by a timeout.
"""

import http.client
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from contract_tests.helpers import (
    ANSWER_TIMEOUT,
    MAX_BODY,
    TASKS,
    assert_problem,
    create_task,
    exchange,
    get_task,
    raw_request,
    read_page,
    task_url,
    total,
)

DEEPEST_JUDGED = 512
TOO_DEEP = 30_000  # 60,000 bytes of brackets: under the size limit
TOO_DEEP_OBJECTS = 9_000  # 63,000 bytes of `{"a": ` and `}`


def nested(depth: int) -> str:
    """A JSON array nested `depth` levels deep."""
    return "[" * depth + "]" * depth


def send_raw(server, method: str, path: str, headers: dict[str, str], body: bytes, *, stop=False):
    """Send headers (after Host) and body exactly as given; the first response, or None.

    None means the server closed the connection without answering.

    With `stop`, the client closes its sending side after the body, as a client that gave up.
    """
    url = urlsplit(server.base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=ANSWER_TIMEOUT)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(body)
        if stop:
            connection.sock.shutdown(socket.SHUT_WR)
        try:
            answer = connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return None
        content = answer.read()
        return httpx.Response(
            answer.status,
            headers=answer.getheaders(),
            content=content,
            request=httpx.Request(method, server.base_url + path),
        )
    finally:
        connection.close()


# Deep nesting


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_nesting_up_to_512_levels_is_judged_like_any_body(api, method):
    task = create_task(api, "Target of nested bodies")
    url = TASKS if method == "POST" else task_url(task["id"])
    body = '{"done": false, "title": ' + nested(DEEPEST_JUDGED - 1) + "}"

    response = raw_request(api, method, url, body)

    assert_problem(response, 422, fields={"title"})


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_nesting_far_deeper_is_400_never_500(api, method):
    task = create_task(api, "Target of deeply nested bodies")
    url = TASKS if method == "POST" else task_url(task["id"])
    before = total(api)

    for body in (nested(TOO_DEEP), '{"title": ' + nested(TOO_DEEP - 1) + "}"):
        assert len(body) < MAX_BODY
        response = raw_request(api, method, url, body)
        assert response.status_code in (400, 422), response.status_code
        assert_problem(response, response.status_code)

    assert total(api) == before
    assert get_task(api, task["id"]) == task


def test_deeply_nested_objects_are_400_never_500(api):
    body = '{"a": ' * TOO_DEEP_OBJECTS + "1" + "}" * TOO_DEEP_OBJECTS
    assert len(body) < MAX_BODY

    response = raw_request(api, "POST", TASKS, body)

    assert response.status_code in (400, 422), response.status_code
    assert_problem(response, response.status_code)


# Query parameters


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=1&page=2", "page"),
        ("page=1&page=1", "page"),
        ("per_page=5&per_page=50", "per_page"),
        ("done=true&done=false", "done"),
        ("done=true&done=true", "done"),
    ],
)
def test_a_repeated_query_parameter_is_422_naming_it(api, query, field):
    response = api.get(f"{TASKS}?{query}")

    assert_problem(response, 422, fields={field})


def test_every_repeated_query_parameter_is_named(api):
    response = api.get(f"{TASKS}?page=1&page=2&per_page=5&per_page=5&done=true")

    assert_problem(response, 422, fields={"page", "per_page"})


def test_a_repeated_unknown_query_parameter_is_ignored(api):
    create_task(api, "Listed despite noise")

    assert read_page(api, tag=["a", "b"]) == read_page(api)


@pytest.mark.parametrize("page", [10**19, 10**40, 10**400])
def test_a_page_beyond_64_bit_is_an_empty_page(api, page):
    response = api.get(TASKS, params={"page": str(page), "per_page": 100})

    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert body["items"] == []
    assert body["page"] == page


@pytest.mark.parametrize("page", [f"-{10**40}", "-9223372036854775809"])
def test_a_huge_negative_page_is_422(api, page):
    assert_problem(api.get(TASKS, params={"page": page}), 422, fields={"page"})


# Content-Length


def test_a_content_length_over_the_limit_is_413_before_the_body_arrives(server, api):
    before = total(api)
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(100 * MAX_BODY),
    }

    # Only the headers are sent: an answer proves the server did not wait for the body.
    response = send_raw(server, "POST", TASKS, headers, b"")

    assert response is not None, "the server closed the connection without answering"
    assert_problem(response, 413)
    assert total(api) == before


def test_a_short_content_length_cuts_the_body_and_the_rest_is_the_next_request(server, api):
    before = total(api)
    body = b'{"title": "Cut short'
    following = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    head = (
        f"POST {TASKS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()

    answers = exchange(server, head + body + following)

    assert answers, "the server closed the connection without answering"
    assert_problem(answers[0], 400)
    # A server may close after one request; if it answers the next one, it is the health check.
    if len(answers) > 1:
        assert answers[1].status_code == 200
        assert answers[1].json()["status"] == "ok"
    assert total(api) == before


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_body_shorter_than_announced_is_never_acknowledged(server, api, method):
    task = create_task(api, "Left alone by a client that gave up")
    before = total(api)
    url = TASKS if method == "POST" else task_url(task["id"])
    body = b'{"title": "Never finished", "done": true}'
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body) + 100),
    }

    response = send_raw(server, method, url, headers, body, stop=True)

    if response is not None:
        assert_problem(response, 400)
    assert total(api) == before
    assert get_task(api, task["id"]) == task


def test_a_body_without_content_length_is_an_empty_body(server, api):
    before = total(api)
    headers = {"Content-Type": "application/json", "Connection": "close"}

    # Without Content-Length or chunked encoding an HTTP/1.1 request has no body; what follows
    # the headers is not a body, and at most the start of another request.
    response = send_raw(server, "POST", TASKS, headers, b'{"title": "No length"}')

    assert response is not None, "the server closed the connection without answering"
    assert_problem(response, 400)
    assert total(api) == before


# What the HTTP server reads

REQUEST_LINE_LIMIT = 8_190


def request_line_of(size: int) -> bytes:
    """A GET of the listing whose request line is exactly `size` bytes, padded with an
    unknown query parameter."""
    start, end = f"GET {TASKS}?per_page=1&pad=", " HTTP/1.1"
    padding = size - len(start) - len(end)
    assert padding > 0
    return f"{start}{'a' * padding}{end}".encode()


def request(line: bytes, *headers: str) -> bytes:
    """A complete request without a body, asking the server to close after answering."""
    fields = ["Host: 127.0.0.1", *headers, "Connection: close"]
    return line + b"\r\n" + "".join(f"{field}\r\n" for field in fields).encode() + b"\r\n"


def test_a_request_line_of_8190_bytes_is_judged_by_the_api(server, api):
    create_task(api, "Listed under a long request line")

    answers = exchange(server, request(request_line_of(REQUEST_LINE_LIMIT)))

    assert answers, "the server closed the connection without answering"
    assert answers[0].status_code == 200, answers[0].text[:300]
    assert answers[0].json() == read_page(api, per_page=1)


def test_a_longer_request_line_is_a_414_problem(server, api):
    before = total(api)

    answers = exchange(server, request(request_line_of(4 * REQUEST_LINE_LIMIT)))

    assert answers, "the server closed the connection without answering"
    assert_problem(answers[0], 414)
    assert total(api) == before


@pytest.mark.parametrize(
    "headers",
    [("X-Large: " + "a" * 8_000,), tuple(f"X-Field-{n}: {n}" for n in range(90))],
    ids=["an-8000-byte-field", "90-fields"],
)
def test_header_fields_within_the_limits_are_read(server, headers):
    answers = exchange(server, request(b"GET /health HTTP/1.1", *headers))

    assert answers, "the server closed the connection without answering"
    assert answers[0].status_code == 200, answers[0].text[:300]
    assert answers[0].json()["status"] == "ok"


@pytest.mark.parametrize(
    "headers",
    [("X-Large: " + "a" * 20_000,), tuple(f"X-Field-{n}: {n}" for n in range(200))],
    ids=["a-20-kb-field", "200-fields"],
)
def test_header_fields_over_the_limits_are_a_431_problem(server, headers):
    answers = exchange(server, request(b"GET /health HTTP/1.1", *headers))

    assert answers, "the server closed the connection without answering"
    assert_problem(answers[0], 431)


@pytest.mark.parametrize(
    "data",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET /health HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Name: x\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(32) + b"\r\n\r\n",
    ],
    ids=["garbage", "unknown-version", "space-in-field-name", "tls-hello"],
)
def test_bytes_that_are_not_http_are_a_400_problem(server, api, data):
    before = total(api)

    answers = exchange(server, data)

    assert answers, "the server closed the connection without answering"
    assert_problem(answers[0], 400)
    assert total(api) == before

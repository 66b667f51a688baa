"""Slow clients: a request trickled a few bytes at a time, and connections held half-sent.

A slow client is answered like any other once its request is complete, and never before; while
many hold connections with requests they never finish, the server does not fail, and once they
are gone it serves as before. Every pause and every load here is bounded by count.
"""

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from contract_tests.helpers import (
    TASKS,
    assert_problem,
    assert_task_shape,
    connect_raw,
    create_task,
    describe,
    get_task,
    parse_responses,
    read_responses,
    total,
)

PAUSE = 0.15
PIECES = 12
# More than any served variant has workers or threads on the machines this runs on.
HOLDERS = 32
HOLD_ROUNDS = 8  # trickles per holder before it gives up


def trickle(sock: socket.socket, data: bytes, pieces: int = PIECES) -> None:
    """Send `data` in `pieces` parts with a pause before each."""
    size = -(-len(data) // pieces)
    for start in range(0, len(data), size):
        time.sleep(PAUSE)
        sock.sendall(data[start : start + size])


def create_request(body: bytes, length: int | None = None) -> bytes:
    """A POST of a task with a Content-Length (by default the body's own)."""
    return (
        f"POST {TASKS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


def test_a_trickled_create_is_stored_whole_and_acknowledged_once(server, api):
    before = total(api)
    title = "Sent a few bytes at a time, and stored whole"
    body = f'{{"title": "{title}", "done": true}}'.encode()

    with connect_raw(server) as sock:
        trickle(sock, create_request(body))
        answers = read_responses(sock, server.base_url)

    assert len(answers) == 1, [describe(a) for a in answers]
    assert answers[0].status_code == 201, describe(answers[0])
    task = answers[0].json()
    assert_task_shape(task)
    assert (task["title"], task["done"]) == (title, True)
    assert get_task(api, task["id"]) == task
    assert total(api) == before + 1


def test_trickled_headers_are_answered_once_complete(server):
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\nConnection: close\r\n\r\n"

    with connect_raw(server) as sock:
        trickle(sock, request, pieces=len(request) // 4)
        answers = read_responses(sock, server.base_url)

    assert len(answers) == 1, [describe(a) for a in answers]
    assert answers[0].status_code == 200, describe(answers[0])
    assert answers[0].json()["status"] == "ok"


def test_a_trickled_body_that_stops_short_is_never_acknowledged(server, api):
    before = total(api)
    body = b'{"title": "Trickled, then abandoned", "done": false}'

    with connect_raw(server) as sock:
        trickle(sock, create_request(body, length=len(body) + 50))
        sock.shutdown(socket.SHUT_WR)
        try:
            answers = read_responses(sock, server.base_url)
        except ConnectionResetError:
            answers = []

    for answer in answers:
        assert_problem(answer, 400)
    assert total(api) == before


def hold(server, partial: bytes) -> list:
    """Send the start of a request, trickle a little more for a while, then leave."""
    with connect_raw(server) as sock:
        sock.sendall(partial)
        try:
            for _ in range(HOLD_ROUNDS):
                time.sleep(PAUSE)
                sock.sendall(b" " if partial.endswith(b"\r\n\r\n{") else b"X-Slow: 1\r\n")
        except OSError:
            pass  # the server may close a connection it will not wait for; that is allowed
        sock.setblocking(False)
        try:
            early = sock.recv(65_536)
        except (BlockingIOError, OSError):
            early = b""
    return parse_responses(early, server.base_url) if early else []


@pytest.mark.parametrize("kind", ["headers", "body"])
def test_connections_held_half_sent_leave_the_server_serving_as_before(server, api, kind):
    before = total(api)
    if kind == "headers":
        partial = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    else:
        partial = create_request(b"{", length=10_000)

    with ThreadPoolExecutor(HOLDERS) as pool:
        early = [a for answers in pool.map(lambda _: hold(server, partial), range(HOLDERS))
                 for a in answers]  # fmt: skip

    # Nothing half-sent was acknowledged; what a server said early was a clear refusal.
    for answer in early:
        assert 400 <= answer.status_code < 500, describe(answer)
        assert_problem(answer, answer.status_code)
    assert total(api) == before
    # Once they are gone, every request is served as before, without a restart.
    for n in range(10):
        assert api.get("/health").status_code == 200
        create_task(api, f"Served after the slow clients left {n}")
    assert total(api) == before + 10

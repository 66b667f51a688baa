"""Every registered server variant serves the API: each on its own server and SQLite file
(`variant_server`), started by a caller whose environment asks for every debug mode.

Each also answers alike what its HTTP server may see before the framework does: HEAD, methods
the path does not serve, methods outside RFC 9110, targets that are not paths, dot segments.
"""

from contract_tests.helpers import (
    TASKS,
    assert_json,
    assert_problem,
    assert_task_response,
    describe,
    send_raw,
    task_url,
)

EMPTY_PAGE = {"items": [], "page": 1, "per_page": 10, "total": 0, "pages": 0}


def test_variant_serves_a_round_trip_on_a_fresh_sqlite_database(
    variant_server, variant_target, connect
):
    server, (_, variant) = variant_server, variant_target
    with connect(server) as api:
        empty = api.get(TASKS)
        created = assert_task_response(api.post(TASKS, json={"title": f"Served by {variant}"}), 201)
        read = api.get(task_url(created["id"]))
        listed = api.get(TASKS)
        head = api.head(task_url(created["id"]))
        refused = {method: send_raw(server, method, TASKS) for method in ("CONNECT", "TRACE")}
        unknown = {method: send_raw(server, method, TASKS) for method in ("FOO", "PROPFIND")}
        authority = send_raw(server, "CONNECT", "127.0.0.1:443")
        dots = send_raw(server, "GET", "/api/v1/x/../tasks")
        deleted = api.delete(task_url(created["id"]))
        gone = api.get(task_url(created["id"]))

    assert empty.status_code == 200, describe(empty)
    assert assert_json(empty) == EMPTY_PAGE
    assert assert_task_response(read) == created
    assert listed.status_code == 200, describe(listed)
    assert listed.json() == {"items": [created], "page": 1, "per_page": 10, "total": 1, "pages": 1}
    assert (head.status_code, head.content) == (200, b""), describe(head)
    assert head.headers["content-length"] == read.headers["content-length"]
    for response in refused.values():
        assert_problem(response, 405)
        assert response.headers["allow"] == "GET, HEAD, POST"
    for response in unknown.values():
        assert_problem(response, 501)
    assert_problem(authority, 400)
    assert_problem(dots, 404)
    assert deleted.status_code == 204, describe(deleted)
    assert "content-type" not in deleted.headers
    assert_problem(gone, 404)

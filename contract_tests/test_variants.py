"""Every registered server variant serves the API: each on its own server and SQLite file."""

from contract_tests.helpers import (
    TASKS,
    assert_json,
    assert_problem,
    assert_task_response,
    describe,
    task_url,
)

EMPTY_PAGE = {"items": [], "page": 1, "per_page": 10, "total": 0, "pages": 0}


def test_variant_serves_a_round_trip_on_a_fresh_sqlite_database(launch, connect, variant_target):
    impl, variant = variant_target
    name = f"{impl}_{variant}".replace("-", "_")
    with (
        launch(impl, "sqlite", name, variant) as server,
        connect(server) as api,
    ):
        empty = api.get(TASKS)
        created = assert_task_response(api.post(TASKS, json={"title": f"Served by {variant}"}), 201)
        read = api.get(task_url(created["id"]))
        listed = api.get(TASKS)
        deleted = api.delete(task_url(created["id"]))
        gone = api.get(task_url(created["id"]))

    assert empty.status_code == 200, describe(empty)
    assert assert_json(empty) == EMPTY_PAGE
    assert assert_task_response(read) == created
    assert listed.status_code == 200, describe(listed)
    assert listed.json() == {"items": [created], "page": 1, "per_page": 10, "total": 1, "pages": 1}
    assert deleted.status_code == 204, describe(deleted)
    assert_problem(gone, 404)

"""Task ids in paths: anything that names no existing task is 404, never 422 or 500."""

import pytest

from contract_tests.helpers import (
    BIGINT_MAX,
    assert_problem,
    create_task,
    delete_task,
    describe,
    task_url,
)

METHODS = ["GET", "PUT", "PATCH", "DELETE"]
VALID = {"title": "A valid title", "done": False}
CANNOT_NAME_A_TASK = [
    "0",
    "-1",
    "-0",
    "abc",
    "1.5",
    "1e3",
    "0x10",
    "+1",
    str(BIGINT_MAX + 1),
    str(2**64),
    "99999999999999999999",
    "9" * 40,
    "null",
    "%20",
]


def send(api, method, url):
    body = {"json": VALID} if method in ("PUT", "PATCH") else {}
    return api.request(method, url, **body)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("task_id", CANNOT_NAME_A_TASK, ids=repr)
def test_id_that_cannot_name_a_task_is_404(api, method, task_id):
    response = send(api, method, task_url(task_id))

    assert_problem(response, 404)


@pytest.mark.parametrize("method", METHODS)
def test_largest_bigint_id_that_names_no_task_is_404(api, method):
    response = send(api, method, task_url(BIGINT_MAX))

    assert_problem(response, 404)


@pytest.mark.parametrize("method", METHODS)
def test_deleted_task_id_is_404(api, method):
    task = create_task(api, "Deleted before the request")
    delete_task(api, task["id"])

    response = send(api, method, task_url(task["id"]))

    assert_problem(response, 404)


@pytest.mark.parametrize("method", METHODS)
def test_id_past_the_newest_task_is_404(api, method):
    newest = create_task(api, "Newest so far")

    response = send(api, method, task_url(newest["id"] + 1000))

    assert_problem(response, 404)


def test_existing_id_is_found_by_every_method(api):
    task = create_task(api, "Found by all")
    url = task_url(task["id"])

    responses = [send(api, method, url) for method in METHODS]

    assert [r.status_code for r in responses] == [200, 200, 200, 204], [
        describe(r) for r in responses
    ]

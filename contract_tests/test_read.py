"""GET /api/v1/tasks/{id}: reading one task."""

from contract_tests.helpers import assert_task_response, create_task, last_page, task_url


def test_read_returns_the_task_as_created(api):
    created = create_task(api, "Read me", done=True)

    response = api.get(task_url(created["id"]))

    task = assert_task_response(response)
    assert task == created


def test_read_twice_returns_the_same_task(api):
    created = create_task(api, "Stable")

    first = api.get(task_url(created["id"]))
    second = api.get(task_url(created["id"]))

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


def test_listed_task_equals_the_task_read_by_id(api):
    created = create_task(api, "Listed and read")

    listed = {task["id"]: task for task in last_page(api)["items"]}

    assert listed[created["id"]] == created

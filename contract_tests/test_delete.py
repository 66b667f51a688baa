"""DELETE /api/v1/tasks/{id}: deleting tasks."""

from contract_tests.helpers import (
    assert_problem,
    create_task,
    describe,
    last_page,
    task_url,
    total,
)


def test_delete_is_204_with_an_empty_body(api):
    task = create_task(api, "Delete me")

    response = api.delete(task_url(task["id"]))

    assert response.status_code == 204, describe(response)
    assert response.content == b""


def test_a_204_has_no_content_type(api):
    task = create_task(api, "Nothing to describe")

    response = api.delete(task_url(task["id"]))

    assert response.status_code == 204, describe(response)
    assert "content-type" not in response.headers, describe(response)


def test_deleted_task_is_gone(api):
    task = create_task(api, "Gone soon")
    api.delete(task_url(task["id"]))

    response = api.get(task_url(task["id"]))

    assert_problem(response, 404)


def test_deleting_twice_is_404_the_second_time(api):
    task = create_task(api, "Delete twice")
    first = api.delete(task_url(task["id"]))

    second = api.delete(task_url(task["id"]))

    assert first.status_code == 204, describe(first)
    assert_problem(second, 404)


def test_delete_removes_the_task_from_the_listing(api):
    task = create_task(api, "Unlisted soon")
    before = total(api)

    response = api.delete(task_url(task["id"]))

    assert response.status_code == 204, describe(response)
    assert total(api) == before - 1
    assert task["id"] not in {item["id"] for item in last_page(api)["items"]}


def test_delete_leaves_other_tasks_alone(api):
    keep = create_task(api, "Keep me")
    drop = create_task(api, "Drop me")

    response = api.delete(task_url(drop["id"]))

    assert response.status_code == 204, describe(response)
    assert api.get(task_url(keep["id"])).json() == keep

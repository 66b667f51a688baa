"""PUT and PATCH /api/v1/tasks/{id}: replacing and changing tasks.

Invalid fields, the same for POST, PUT and PATCH, are one table in test_validation.py.
"""

import pytest

from contract_tests.helpers import (
    assert_problem,
    assert_task_response,
    create_task,
    get_task,
    task_url,
)

# PUT


def test_put_replaces_title_and_done(api):
    task = create_task(api, "Old title")

    response = api.put(task_url(task["id"]), json={"title": "New title", "done": True})

    updated = assert_task_response(response)
    assert updated == {**task, "title": "New title", "done": True}


def test_put_is_stored(api):
    task = create_task(api, "Before PUT", done=True)

    api.put(task_url(task["id"]), json={"title": "After PUT", "done": False})

    assert get_task(api, task["id"]) == {**task, "title": "After PUT", "done": False}


def test_put_keeps_id_and_created_at(api):
    task = create_task(api, "Fixed identity")

    response = api.put(task_url(task["id"]), json={"title": "Renamed", "done": True})

    updated = assert_task_response(response)
    assert updated["id"] == task["id"]
    assert updated["created_at"] == task["created_at"]


def test_put_with_the_same_values_is_200_and_changes_nothing(api):
    task = create_task(api, "Unchanged")

    response = api.put(task_url(task["id"]), json={"title": "Unchanged", "done": False})

    assert assert_task_response(response) == task


def test_put_strips_the_title(api):
    task = create_task(api, "To be padded")

    response = api.put(task_url(task["id"]), json={"title": "  Padded \t", "done": False})

    assert assert_task_response(response)["title"] == "Padded"


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"done": True}, {"title"}),
        ({"title": "Only a title"}, {"done"}),
        ({}, {"title", "done"}),
    ],
    ids=["no-title", "no-done", "empty-object"],
)
def test_put_requires_title_and_done(api, body, missing):
    task = create_task(api, "PUT needs both")

    response = api.put(task_url(task["id"]), json=body)

    assert_problem(response, 422, fields=missing)
    assert get_task(api, task["id"]) == task


def test_put_with_its_own_id_in_the_body_is_still_422(api):
    task = create_task(api, "Own id")

    response = api.put(task_url(task["id"]), json={"id": task["id"], "title": "x", "done": True})

    assert_problem(response, 422, fields={"id"})


# PATCH


def test_patch_with_an_empty_object_changes_nothing(api):
    task = create_task(api, "Untouched", done=True)

    response = api.patch(task_url(task["id"]), json={})

    assert assert_task_response(response) == task
    assert get_task(api, task["id"]) == task


def test_patch_title_keeps_done(api):
    task = create_task(api, "Rename me", done=True)

    response = api.patch(task_url(task["id"]), json={"title": "Renamed"})

    assert assert_task_response(response) == {**task, "title": "Renamed"}
    assert get_task(api, task["id"]) == {**task, "title": "Renamed"}


def test_patch_done_keeps_title(api):
    task = create_task(api, "Finish me")

    response = api.patch(task_url(task["id"]), json={"done": True})

    assert assert_task_response(response) == {**task, "done": True}
    assert get_task(api, task["id"]) == {**task, "done": True}


def test_patch_can_set_done_back_to_false(api):
    task = create_task(api, "Reopen me", done=True)

    response = api.patch(task_url(task["id"]), json={"done": False})

    assert assert_task_response(response)["done"] is False


def test_patch_both_fields(api):
    task = create_task(api, "Both")

    response = api.patch(task_url(task["id"]), json={"title": "Both changed", "done": True})

    assert assert_task_response(response) == {**task, "title": "Both changed", "done": True}


def test_patch_strips_the_title(api):
    task = create_task(api, "Strip on PATCH")

    response = api.patch(task_url(task["id"]), json={"title": "\n Stripped \u3000"})

    assert assert_task_response(response)["title"] == "Stripped"


def test_patch_keeps_id_and_created_at(api):
    task = create_task(api, "Patched identity")

    response = api.patch(task_url(task["id"]), json={"title": "Patched", "done": True})

    updated = assert_task_response(response)
    assert (updated["id"], updated["created_at"]) == (task["id"], task["created_at"])


def test_patch_with_one_bad_field_changes_nothing(api):
    task = create_task(api, "All or nothing")

    response = api.patch(task_url(task["id"]), json={"title": "Would change", "done": "yes"})

    assert_problem(response, 422, fields={"done"})
    assert get_task(api, task["id"]) == task

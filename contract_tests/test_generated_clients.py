"""Clients generated from every OpenAPI document work against every implementation.

openapi-python-client and openapi-generator each generate a Python client from openapi.yaml and
from each implementation's /openapi.json; each client creates, reads, lists (a page, a filter),
replaces, updates and deletes a task on every server, and gets a 404 and a 422, through its
typed models. Test ids name the server, its database, the document and the generator:
`test_a_generated_client_works_against_the_server[flask-sqlite-django-document-openapi-generator]`.
"""

from datetime import datetime

import pytest

from contract_tests.clients import DRIVERS


@pytest.fixture
def driver(server, client_pair, generated_clients):
    """The generated client of the pair, pointed at the server under test."""
    document, generator = client_pair
    client = generated_clients(generator)[document]
    if isinstance(client, str):
        pytest.fail(client, pytrace=False)
    return DRIVERS[generator](client, server.base_url)


def assert_task(task, title: str, done: bool) -> None:
    """A typed task model with these values, its id an int and created_at a datetime."""
    assert type(task).__name__ != "dict", task
    assert isinstance(task.id, int), task
    assert (task.title, task.done) == (title, done), task
    assert isinstance(task.created_at, datetime), task
    assert task.created_at.utcoffset() is not None, task
    assert not task.created_at.utcoffset(), task


def test_a_generated_client_works_against_the_server(driver, client_pair):
    document, generator = client_pair
    title = f"Made by {generator} from the {document} document"

    status, created = driver.call("create_task", body=driver.body("create_task", title=title))
    assert status == 201
    assert_task(created, title, False)

    status, read = driver.call("read_task", created.id)
    assert status == 200
    assert_task(read, title, False)
    assert (read.id, read.created_at) == (created.id, created.created_at)

    done = driver.body("create_task", title=f"{title}, done", done=True)
    assert driver.call("create_task", body=done)[0] == 201
    status, first = driver.call("read_tasks", per_page=1, done=False)
    assert status == 200
    status, last = driver.call("read_tasks", page=first.pages, per_page=1, done=False)
    assert status == 200
    assert (last.page, last.per_page, last.total) == (first.pages, 1, first.total)
    assert [task.id for task in last.items] == [created.id]  # the newest undone task
    assert_task(last.items[0], title, False)
    status, finished = driver.call("read_tasks", page=1, per_page=100, done=True)
    assert status == 200
    assert finished.items
    assert all(task.done is True for task in finished.items)

    replaced = driver.body("replace_task", title=f"{title}, replaced", done=True)
    status, after_put = driver.call("replace_task", created.id, body=replaced)
    assert status == 200
    assert_task(after_put, f"{title}, replaced", True)

    status, after_patch = driver.call(
        "update_task", created.id, body=driver.body("update_task", done=False)
    )
    assert status == 200
    assert_task(after_patch, f"{title}, replaced", False)

    status, nothing = driver.call("delete_task", created.id)
    assert (status, nothing) == (204, None)

    status, problem = driver.call("read_task", created.id)
    assert status == 404
    assert type(problem).__name__ == "Problem", problem
    assert (problem.status, problem.title) == (404, "Not Found")

    status, invalid = driver.call("create_task", body=driver.body("create_task", title=""))
    assert status == 422
    assert type(invalid).__name__ == "ValidationProblem", invalid
    assert (invalid.status, invalid.title) == (422, "Unprocessable Content")
    # openapi-generator renames the attribute `field` (pydantic's own name); both serialize it.
    assert [error.to_dict()["field"] for error in invalid.errors] == ["title"]

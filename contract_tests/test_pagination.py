"""GET /api/v1/tasks: pages, their bounds, the done filter and the order of items.

The server is shared with other tests, so every expectation is computed from the `total` the
server reports, and tasks are told apart by the ids this test created.
"""

import pytest

from contract_tests.helpers import (
    TASKS,
    assert_json,
    assert_page_shape,
    assert_problem,
    create_task,
    describe,
    ensure_tasks,
    expected_pages,
    last_page,
    read_page,
    total,
)

INVALID_PAGE = ["0", "-1", "abc", "1.5", "", "1.0", "+1", " 1", "1_0", "1e1", "0x1", "one"]
INVALID_PER_PAGE = ["0", "-1", "abc", "1.5", "", "101", "1000", "10.0", "+10", "1_0", "1e1"]
INVALID_DONE = ["yes", "no", "1", "0", "", "True", "FALSE", "t", "null", "true "]


def test_listing_defaults_to_page_1_of_10(api):
    ensure_tasks(api, 11)

    response = api.get(TASKS)

    assert response.status_code == 200, describe(response)
    page = assert_json(response)
    assert_page_shape(page)
    assert (page["page"], page["per_page"]) == (1, 10)
    assert len(page["items"]) == 10


def test_page_echoes_page_and_per_page(api):
    ensure_tasks(api, 7)

    page = read_page(api, page=2, per_page=3)

    assert_page_shape(page)
    assert (page["page"], page["per_page"]) == (2, 3)
    assert len(page["items"]) == 3


@pytest.mark.parametrize("per_page", [1, 3, 10, 100])
def test_pages_is_total_divided_by_per_page_rounded_up(api, per_page):
    ensure_tasks(api, 5)

    page = read_page(api, per_page=per_page)

    assert page["pages"] == expected_pages(page["total"], per_page)
    assert len(page["items"]) == min(per_page, page["total"])


def test_per_page_1_and_100_are_accepted(api):
    ensure_tasks(api, 2)

    smallest = read_page(api, per_page=1)
    largest = read_page(api, per_page=100)

    assert len(smallest["items"]) == 1
    assert len(largest["items"]) == min(100, largest["total"])


def test_last_page_holds_the_remainder(api):
    ensure_tasks(api, 8)
    per_page = 7
    count = total(api)
    pages = expected_pages(count, per_page)

    page = read_page(api, page=pages, per_page=per_page)

    assert len(page["items"]) == count - per_page * (pages - 1)


def test_items_are_ordered_by_id_ascending(api):
    ensure_tasks(api, 3)

    page = read_page(api, per_page=100)

    ids = [task["id"] for task in page["items"]]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_pages_continue_one_another_in_id_order(api):
    ensure_tasks(api, 9)

    pages = [read_page(api, page=number, per_page=3)["items"] for number in (1, 2, 3)]

    ids = [task["id"] for page in pages for task in page]
    assert len(ids) == 9
    assert ids == sorted(ids)
    assert len(set(ids)) == 9
    assert ids == [task["id"] for task in read_page(api, per_page=9)["items"]]


def test_newest_task_is_last_on_the_last_page(api):
    task = create_task(api, "Newest")

    page = last_page(api, per_page=5)

    assert page["items"][-1] == task


def test_page_past_the_end_is_empty_not_404(api):
    ensure_tasks(api, 1)
    first = read_page(api, per_page=5)

    response = api.get(TASKS, params={"page": first["pages"] + 1, "per_page": 5})

    assert response.status_code == 200, describe(response)
    page = response.json()
    assert page["items"] == []
    assert (page["total"], page["pages"]) == (first["total"], first["pages"])
    assert (page["page"], page["per_page"]) == (first["pages"] + 1, 5)


def test_page_far_past_the_end_is_empty_not_an_error(api):
    response = api.get(TASKS, params={"page": 2**63, "per_page": 100})

    assert response.status_code == 200, describe(response)
    assert response.json()["items"] == []


@pytest.mark.parametrize("value", INVALID_PAGE, ids=repr)
def test_invalid_page_is_422_naming_page(api, value):
    response = api.get(TASKS, params={"page": value})

    assert_problem(response, 422, fields={"page"})


@pytest.mark.parametrize("value", INVALID_PER_PAGE, ids=repr)
def test_invalid_per_page_is_422_naming_per_page(api, value):
    response = api.get(TASKS, params={"per_page": value})

    assert_problem(response, 422, fields={"per_page"})


@pytest.mark.parametrize("value", INVALID_DONE, ids=repr)
def test_invalid_done_is_422_naming_done(api, value):
    response = api.get(TASKS, params={"done": value})

    assert_problem(response, 422, fields={"done"})


def test_every_invalid_query_parameter_is_named(api):
    response = api.get(TASKS, params={"page": "0", "per_page": "101", "done": "yes"})

    assert_problem(response, 422, fields={"page", "per_page", "done"})


def test_unknown_query_parameters_are_ignored(api):
    ensure_tasks(api, 1)
    plain = read_page(api, per_page=5)

    response = api.get(TASKS, params={"per_page": 5, "sort": "-id", "q": "milk", "limit": 1})

    assert response.status_code == 200, describe(response)
    assert response.json() == plain


def test_done_true_lists_only_done_tasks(api):
    done = create_task(api, "Done for the filter", done=True)
    open_ = create_task(api, "Open for the filter")

    page = last_page(api, done="true")

    ids = {task["id"] for task in page["items"]}
    assert done["id"] in ids
    assert open_["id"] not in ids
    assert all(task["done"] is True for task in page["items"])


def test_done_false_lists_only_open_tasks(api):
    open_ = create_task(api, "Open for the filter")
    done = create_task(api, "Done for the filter", done=True)

    page = last_page(api, done="false")

    ids = {task["id"] for task in page["items"]}
    assert open_["id"] in ids
    assert done["id"] not in ids
    assert all(task["done"] is False for task in page["items"])


def test_done_filter_total_counts_only_matching_tasks(api):
    before_done, before_open = total(api, done="true"), total(api, done="false")

    create_task(api, "Counted as done", done=True)

    assert total(api, done="true") == before_done + 1
    assert total(api, done="false") == before_open


def test_filtered_totals_add_up_to_the_total(api):
    create_task(api, "One open")
    create_task(api, "One done", done=True)

    assert total(api, done="true") + total(api, done="false") == total(api)


def test_filtered_pages_follow_the_filtered_total(api):
    for n in range(3):
        create_task(api, f"Done {n}", done=True)

    page = read_page(api, done="true", per_page=2)

    assert page["pages"] == expected_pages(page["total"], 2)
    assert_page_shape(page)

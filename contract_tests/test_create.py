"""POST /api/v1/tasks: creating tasks."""

from datetime import UTC, datetime, timedelta

from contract_tests.helpers import (
    TASKS,
    assert_task_response,
    create_task,
    delete_task,
    describe,
    get_task,
    task_url,
    total,
)

# Generous: this only has to tell UTC from a local time or a fixed date, on any deployment.
CLOCK_TOLERANCE = timedelta(minutes=10)


def parse_created_at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_create_returns_201_with_the_new_task(api):
    response = api.post(TASKS, json={"title": "Buy oat milk"})

    task = assert_task_response(response, 201)
    assert task["title"] == "Buy oat milk"
    assert task["done"] is False


def test_create_location_is_exactly_the_task_path(api):
    response = api.post(TASKS, json={"title": "Renew the passport"})

    assert response.status_code == 201, describe(response)
    assert response.headers.get("location") == task_url(response.json()["id"])


def test_created_task_is_readable_at_its_location(api):
    response = api.post(TASKS, json={"title": "Book the dentist", "done": True})

    assert response.status_code == 201, describe(response)
    read = api.get(response.headers["location"])
    assert read.status_code == 200, describe(read)
    assert read.json() == response.json()


def test_create_with_done_true_keeps_it(api):
    response = api.post(TASKS, json={"title": "Water the plants", "done": True})

    task = assert_task_response(response, 201)
    assert task["done"] is True
    assert get_task(api, task["id"])["done"] is True


def test_create_with_done_false_keeps_it(api):
    response = api.post(TASKS, json={"title": "Call the plumber", "done": False})

    task = assert_task_response(response, 201)
    assert task["done"] is False


def test_create_grows_the_total_by_one(api):
    before = total(api)

    create_task(api, "Counted task")

    assert total(api) == before + 1


def test_ids_ascend_in_creation_order(api):
    first = create_task(api, "First")
    second = create_task(api, "Second")
    third = create_task(api, "Third")

    assert first["id"] < second["id"] < third["id"]


def test_id_of_a_deleted_latest_task_is_not_reused(api):
    latest = create_task(api, "Soon deleted")
    delete_task(api, latest["id"])

    following = create_task(api, "Created after the delete")

    assert following["id"] > latest["id"]


def test_created_at_is_the_current_utc_time(api):
    before = datetime.now(UTC)

    task = create_task(api, "Timestamped")

    after = datetime.now(UTC)
    created_at = parse_created_at(task["created_at"])
    assert before - CLOCK_TOLERANCE <= created_at <= after + CLOCK_TOLERANCE, task


def test_created_at_does_not_decrease_with_id(api):
    earlier = create_task(api, "Earlier")
    later = create_task(api, "Later")

    assert parse_created_at(later["created_at"]) >= parse_created_at(earlier["created_at"])

"""HTTP-level errors: malformed bodies, media types, sizes, routing, and the order of checks."""

import json

import pytest

from contract_tests.helpers import (
    BIGINT_MAX,
    MAX_BODY,
    TASKS,
    assert_allow,
    assert_problem,
    assert_task_response,
    create_task,
    describe,
    get_task,
    padded_json,
    raw_request,
    task_url,
    total,
)

CHANGES = ["POST", "PUT", "PATCH"]
VALID = {"title": "A valid title", "done": True}

MALFORMED = {
    "unterminated": '{"title": "x"',
    "unquoted-key": '{title: "x"}',
    "single-quotes": "{'title': 'x'}",
    "trailing-comma": '{"title": "x",}',
    "trailing-garbage": '{"title": "x"} x',
    "two-documents": '{"title": "x"}{"title": "y"}',
    "nan": '{"title": "x", "done": NaN}',
    "infinity": '{"title": Infinity}',
    "bare-word": "title",
    "whitespace-only": "   \n",
}
INVALID_UTF8 = {
    "ff-byte": b'{"title": "\xff"}',
    "bad-continuation": b'{"title": "\xc3\x28"}',
    "overlong-slash": b'{"title": "\xc0\xaf"}',
    "encoded-surrogate": b'{"title": "\xed\xa0\x80"}',
    "truncated-sequence": b'{"title": "\xe2\x82"}',
    "latin-1": '{"title": "café"}'.encode("latin-1"),
}
WRONG_MEDIA_TYPES = [
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/merge-patch+json",
    "application/json-patch+json",
    "application/xml",
    "application/jsonl",
]
ALLOWED_ON_COLLECTION = {"GET", "POST"}
ALLOWED_ON_ITEM = {"GET", "PUT", "PATCH", "DELETE"}


def target_url(api, method):
    """POST goes to the collection, PUT and PATCH to a task created for the test."""
    if method == "POST":
        return TASKS
    return task_url(create_task(api, f"Target of a {method}")["id"])


# Malformed bodies: 400


@pytest.mark.parametrize("method", CHANGES)
@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_400(api, method, body):
    url = target_url(api, method)

    response = raw_request(api, method, url, body)

    assert_problem(response, 400)


@pytest.mark.parametrize("method", CHANGES)
@pytest.mark.parametrize("body", INVALID_UTF8.values(), ids=INVALID_UTF8.keys())
def test_invalid_utf8_is_400(api, method, body):
    url = target_url(api, method)

    response = raw_request(api, method, url, body)

    assert_problem(response, 400)


@pytest.mark.parametrize("method", CHANGES)
def test_empty_body_is_400(api, method):
    url = target_url(api, method)

    response = raw_request(api, method, url, b"")

    assert_problem(response, 400)


def test_rejected_malformed_create_stores_nothing(api):
    before = total(api)

    response = raw_request(api, "POST", TASKS, '{"title": "half')

    assert_problem(response, 400)
    assert total(api) == before


# Media types: 415


@pytest.mark.parametrize("method", CHANGES)
def test_missing_content_type_is_415(api, method):
    url = target_url(api, method)

    response = raw_request(api, method, url, json.dumps(VALID), content_type=None)

    assert_problem(response, 415)


@pytest.mark.parametrize("method", CHANGES)
@pytest.mark.parametrize("content_type", WRONG_MEDIA_TYPES)
def test_content_type_other_than_json_is_415(api, method, content_type):
    url = target_url(api, method)

    response = raw_request(api, method, url, json.dumps(VALID), content_type=content_type)

    assert_problem(response, 415)


def test_form_encoded_create_is_415(api):
    before = total(api)

    response = api.post(TASKS, data={"title": "From a form"})

    assert_problem(response, 415)
    assert total(api) == before


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "application/json;charset=UTF-8"],
)
def test_json_with_a_charset_parameter_is_accepted_on_create(api, content_type):
    response = raw_request(api, "POST", TASKS, json.dumps(VALID), content_type=content_type)

    assert_task_response(response, 201)


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_json_with_a_charset_parameter_is_accepted_on_change(api, method):
    url = target_url(api, method)

    response = raw_request(
        api, method, url, json.dumps(VALID), content_type="application/json; charset=utf-8"
    )

    assert assert_task_response(response)["title"] == VALID["title"]


# Sizes: 413


@pytest.mark.parametrize("method", CHANGES)
def test_body_over_64_kib_is_413(api, method):
    url = target_url(api, method)

    response = raw_request(api, method, url, padded_json(VALID, MAX_BODY + 1))

    assert_problem(response, 413)


def test_body_of_exactly_64_kib_is_accepted(api):
    body = padded_json(VALID, MAX_BODY)

    response = raw_request(api, "POST", TASKS, body)

    assert len(body) == MAX_BODY
    assert assert_task_response(response, 201)["title"] == VALID["title"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_body_of_exactly_64_kib_is_accepted_on_change(api, method):
    url = target_url(api, method)

    response = raw_request(api, method, url, padded_json(VALID, MAX_BODY))

    assert assert_task_response(response)["title"] == VALID["title"]


def test_oversized_create_stores_nothing(api):
    before = total(api)

    response = raw_request(api, "POST", TASKS, padded_json(VALID, 3 * MAX_BODY))

    assert_problem(response, 413)
    assert total(api) == before


# Routing: 404 and 405


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/api",
        "/api/v1",
        "/api/v2/tasks",
        "/api/v1/task",
        "/API/V1/TASKS",
        "/api/v1/tasks/1/extra",
        "/health/status",
    ],
)
def test_unknown_path_is_404(api, path):
    response = api.get(path)

    assert_problem(response, 404)


def test_post_to_an_unknown_path_is_404(api):
    response = api.post("/api/v1/todos", json=VALID)

    assert_problem(response, 404)


@pytest.mark.parametrize("path", ["/api/v1/tasks/", "/health/"])
def test_trailing_slash_is_404_not_a_redirect(api, path):
    response = api.get(path)

    assert_problem(response, 404)
    assert "location" not in response.headers


def test_trailing_slash_on_a_task_is_404_not_a_redirect(api):
    task = create_task(api, "Slash")

    response = api.get(task_url(task["id"]) + "/")

    assert_problem(response, 404)
    assert "location" not in response.headers


def test_post_with_a_trailing_slash_is_404_and_creates_nothing(api):
    before = total(api)

    response = api.post(TASKS + "/", json=VALID)

    assert_problem(response, 404)
    assert total(api) == before


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_wrong_method_on_the_collection_is_405_with_allow(api, method):
    response = api.request(method, TASKS)

    assert_problem(response, 405)
    assert_allow(response, ALLOWED_ON_COLLECTION)


def test_post_on_a_task_is_405_with_allow(api):
    task = create_task(api, "Not a collection")

    response = api.post(task_url(task["id"]), json=VALID)

    assert_problem(response, 405)
    assert_allow(response, ALLOWED_ON_ITEM)


def test_post_on_a_missing_task_is_405_not_404(api):
    response = api.post(task_url(BIGINT_MAX), json=VALID)

    assert_problem(response, 405)
    assert_allow(response, ALLOWED_ON_ITEM)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_wrong_method_on_health_is_405_with_allow(api, method):
    response = api.request(method, "/health")

    assert_problem(response, 405)
    assert_allow(response, {"GET"})


def test_wrong_method_wins_over_a_malformed_body(api):
    response = raw_request(api, "DELETE", TASKS, "{not json")

    assert_problem(response, 405)
    assert_allow(response, ALLOWED_ON_COLLECTION)


def test_post_on_an_id_that_cannot_name_a_task_is_404(api):
    response = api.post(task_url("abc"), json=VALID)

    assert_problem(response, 404)


# The order of checks: routing, then 413, 415, 400, 422, then existence


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_invalid_body_on_a_missing_task_is_422_not_404(api, method):
    response = api.request(method, task_url(BIGINT_MAX), json={"title": "", "done": "no"})

    assert_problem(response, 422, fields={"title", "done"})


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_valid_body_on_a_missing_task_is_404(api, method):
    response = api.request(method, task_url(BIGINT_MAX), json=VALID)

    assert_problem(response, 404)


def test_empty_patch_on_a_missing_task_is_404(api):
    response = api.patch(task_url(BIGINT_MAX), json={})

    assert_problem(response, 404)


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_malformed_body_on_a_missing_task_is_400_not_404(api, method):
    response = raw_request(api, method, task_url(BIGINT_MAX), '{"title": ')

    assert_problem(response, 400)


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_wrong_media_type_on_a_missing_task_is_415_not_404(api, method):
    url = task_url(BIGINT_MAX)

    response = raw_request(api, method, url, json.dumps(VALID), content_type="text/plain")

    assert_problem(response, 415)


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_oversized_body_on_a_missing_task_is_413_not_404(api, method):
    response = raw_request(api, method, task_url(BIGINT_MAX), padded_json(VALID, MAX_BODY + 1))

    assert_problem(response, 413)


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("task_id", ["0", "abc", "-1"])
def test_invalid_body_on_an_id_that_cannot_name_a_task_is_404(api, method, task_id):
    response = raw_request(api, method, task_url(task_id), '{"title": 5')

    assert_problem(response, 404)


def test_oversized_body_is_413_before_its_media_type_is_checked(api):
    body = padded_json(VALID, MAX_BODY + 1)

    response = raw_request(api, "POST", TASKS, body, content_type="text/plain")

    assert_problem(response, 413)


def test_oversized_body_without_content_type_is_413(api):
    body = padded_json(VALID, MAX_BODY + 1)

    response = raw_request(api, "POST", TASKS, body, content_type=None)

    assert_problem(response, 413)


def test_oversized_malformed_body_is_413(api):
    body = b"{" + b"x" * MAX_BODY

    response = raw_request(api, "POST", TASKS, body)

    assert_problem(response, 413)


def test_wrong_media_type_is_415_before_the_body_is_parsed(api):
    response = raw_request(api, "POST", TASKS, "{not json", content_type="text/plain")

    assert_problem(response, 415)


def test_missing_media_type_is_415_before_the_body_is_parsed(api):
    response = raw_request(api, "POST", TASKS, b"\xff\xfe", content_type=None)

    assert_problem(response, 415)


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_rejected_change_leaves_the_task_alone(api, method):
    task = create_task(api, "Left alone")

    responses = [
        raw_request(api, method, task_url(task["id"]), padded_json(VALID, MAX_BODY + 1)),
        raw_request(api, method, task_url(task["id"]), json.dumps(VALID), content_type=None),
        raw_request(api, method, task_url(task["id"]), '{"title": "x", '),
    ]

    assert [r.status_code for r in responses] == [413, 415, 400], [describe(r) for r in responses]
    assert get_task(api, task["id"]) == task

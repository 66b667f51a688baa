"""Response headers: `nosniff` on every JSON body, and no server version in a banner."""

import re

import pytest

from contract_tests.helpers import (
    TASKS,
    create_task,
    describe,
    media_type,
    raw_request,
    task_url,
)

JSON_TYPES = ("application/json", "application/problem+json")


def responses(api):
    """One response of every kind the API gives, by name, with the status it must have."""
    task = create_task(api, "Seen with its headers")
    return {
        "health": (200, api.get("/health")),
        "list": (200, api.get(TASKS)),
        "create": (201, api.post(TASKS, json={"title": "Created with headers"})),
        "read": (200, api.get(task_url(task["id"]))),
        "update": (200, api.patch(task_url(task["id"]), json={"done": True})),
        "400": (400, raw_request(api, "POST", TASKS, "{not json")),
        "404": (404, api.get(task_url(0))),
        "404-path": (404, api.get("/no/such/path")),
        "405": (405, api.delete(TASKS)),
        "413": (413, raw_request(api, "POST", TASKS, b" " * 70_000)),
        "415": (415, raw_request(api, "POST", TASKS, "{}", content_type="text/plain")),
        "422": (422, api.post(TASKS, json={"title": ""})),
        "openapi": (200, api.get("/openapi.json")),
    }


def test_every_json_response_says_nosniff(api):
    for name, (status, response) in responses(api).items():
        assert response.status_code == status, (name, describe(response))
        assert media_type(response) in JSON_TYPES, (name, response.headers)
        assert response.headers.get("x-content-type-options") == "nosniff", (
            name,
            dict(response.headers),
        )


@pytest.mark.parametrize("path", ["/health", TASKS, "/docs"])
def test_no_server_header_names_a_version(api, path):
    response = api.get(path)

    assert response.status_code == 200, describe(response)
    for banner in response.headers.get_list("server"):
        assert not re.search(r"\d", banner), f"Server: {banner}"
    assert "x-powered-by" not in response.headers

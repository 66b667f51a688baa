"""Response headers: `nosniff` on every JSON body, and no server version in a banner."""

import re

import pytest

from contract_tests.helpers import TASKS, create_task, media_type, raw_request, task_url

JSON_TYPES = ("application/json", "application/problem+json")


def responses(api):
    """One response of every kind the API gives: success, each error, the documentation."""
    task = create_task(api, "Seen with its headers")
    return {
        "health": api.get("/health"),
        "list": api.get(TASKS),
        "create": api.post(TASKS, json={"title": "Created with headers"}),
        "read": api.get(task_url(task["id"])),
        "update": api.patch(task_url(task["id"]), json={"done": True}),
        "400": raw_request(api, "POST", TASKS, "{not json"),
        "404": api.get(task_url(0)),
        "404-path": api.get("/no/such/path"),
        "405": api.delete(TASKS),
        "413": raw_request(api, "POST", TASKS, b" " * 70_000),
        "415": raw_request(api, "POST", TASKS, "{}", content_type="text/plain"),
        "422": api.post(TASKS, json={"title": ""}),
        "openapi": api.get("/openapi.json"),
    }


def test_every_json_response_says_nosniff(api):
    for name, response in responses(api).items():
        assert media_type(response) in JSON_TYPES, (name, response.headers)
        assert response.headers.get("x-content-type-options") == "nosniff", (
            name,
            dict(response.headers),
        )


@pytest.mark.parametrize("path", ["/health", TASKS, "/docs"])
def test_no_server_header_names_a_version(api, path):
    response = api.get(path)

    for banner in response.headers.get_list("server"):
        assert not re.search(r"\d", banner), f"Server: {banner}"
    assert "x-powered-by" not in response.headers

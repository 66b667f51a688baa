"""GET /health: liveness and database reachability."""

from contract_tests.helpers import assert_json, describe


def test_health_is_ok_with_uptime_and_database(api):
    response = api.get("/health")

    assert response.status_code == 200, describe(response)
    body = assert_json(response)
    assert set(body) == {"status", "uptime_seconds", "database"}, body
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert isinstance(body["uptime_seconds"], int | float), body
    assert not isinstance(body["uptime_seconds"], bool), body
    assert body["uptime_seconds"] >= 0

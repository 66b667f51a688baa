"""PostgreSQL going away and coming back: 503 while it is gone, recovery without a restart.

Each implementation gets a server of its own on a fresh PostgreSQL database, which the test
closes to new connections (`ALLOW_CONNECTIONS false`) after terminating the server's sessions.
Its default variant is tested, and so is every variant that holds its connections another way
(Django's ASGI variant takes them from psycopg's pool; its WSGI variants keep one per thread).
"""

import time

import psycopg
from psycopg import sql

from contract_tests.helpers import (
    PAUSE,
    TASKS,
    assert_problem,
    create_task,
    describe,
    eventually,
    media_type,
    task_url,
)

ATTEMPTS = 60
# Variants whose database connections are held differently from their default variant's.
OWN_CONNECTION_HANDLING = {"django": ("uvicorn-asgi",)}


def set_allow_connections(admin_url: str, name: str, allow: bool) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                sql.Identifier(name), sql.Literal(allow)
            )
        )


def cut_off(admin_url: str, name: str) -> None:
    """Refuse new connections to a database and end every session it has."""
    set_allow_connections(admin_url, name, False)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        for _ in range(ATTEMPTS):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchone()
            if row is not None and row[0] == 0:
                return
            time.sleep(PAUSE)
    raise AssertionError(f"sessions of {name} did not end")


def test_database_outage_is_503_and_the_server_recovers_without_restart(
    launch, connect, postgres_target, selection
):
    impl = postgres_target.impl
    for variant in (None, *OWN_CONNECTION_HANDLING.get(impl, ())):
        outage_and_recovery(launch, connect, selection, impl, variant)


def outage_and_recovery(launch, connect, selection, impl: str, variant: str | None) -> None:
    """Cut a served variant's database off, check the 503s, let it back, check recovery."""
    name = f"{impl}_down" if variant is None else f"{impl}_{variant}_down".replace("-", "_")
    with (
        launch(impl, "postgresql", name, variant) as server,
        connect(server) as api,
    ):
        task = create_task(api, "Survives the outage")
        pid = server.process.process.pid
        try:
            cut_off(selection.admin_url, server.database_name)

            healths = [api.get("/health") for _ in range(3)]
            calls = [
                api.get(TASKS),
                api.post(TASKS, json={"title": "During the outage"}),
                api.get(task_url(task["id"])),
                api.put(task_url(task["id"]), json={"title": "Replaced", "done": True}),
                api.patch(task_url(task["id"]), json={"done": True}),
                api.delete(task_url(task["id"])),
            ]
        finally:
            set_allow_connections(selection.admin_url, server.database_name, True)

        for health in healths:
            assert health.status_code == 503, describe(health)
            assert media_type(health) in ("application/json", "application/problem+json")
            body = health.json()
            assert set(body) == {"status", "uptime_seconds", "database"}, body
            assert (body["status"], body["database"]) == ("unavailable", "unreachable"), body
            assert body["uptime_seconds"] >= 0
        for call in calls:
            assert_problem(call, 503)

        eventually(lambda: api.get("/health"), 200, ATTEMPTS)
        assert eventually(lambda: api.get(task_url(task["id"])), 200, ATTEMPTS).json() == task
        eventually(lambda: api.get(TASKS), 200, ATTEMPTS)
        created = eventually(
            lambda: api.post(TASKS, json={"title": "After the outage"}), 201, ATTEMPTS
        )
        eventually(lambda: api.delete(task_url(created.json()["id"])), 204, ATTEMPTS)
        assert server.process.process.poll() is None
        assert server.process.process.pid == pid

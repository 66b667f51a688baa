"""Concurrent creates: every one succeeds with its own id, and nothing is lost."""

from concurrent.futures import ThreadPoolExecutor

import httpx

from contract_tests.helpers import TASKS, describe, get_task, task_url, total

CREATES = 50


def test_concurrent_creates_get_distinct_ids_and_are_all_stored(api, server, connect):
    before = total(api)
    titles = [f"Concurrent task {n}" for n in range(CREATES)]
    limits = httpx.Limits(max_connections=CREATES, max_keepalive_connections=CREATES)

    with (
        connect(server, timeout=60.0, limits=limits) as client,
        ThreadPoolExecutor(max_workers=CREATES) as pool,
    ):
        responses = list(pool.map(lambda title: client.post(TASKS, json={"title": title}), titles))

    assert [r.status_code for r in responses] == [201] * CREATES, [
        describe(r) for r in responses if r.status_code != 201
    ]
    tasks = [r.json() for r in responses]
    assert [task["title"] for task in tasks] == titles
    ids = [task["id"] for task in tasks]
    assert len(set(ids)) == CREATES
    assert [r.headers["location"] for r in responses] == [task_url(i) for i in ids]
    for task in tasks:
        assert get_task(api, task["id"]) == task
    assert total(api) == before + CREATES

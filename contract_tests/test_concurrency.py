"""Concurrent writers: every write succeeds or is refused clearly, and nothing is lost."""

import random
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


WRITERS = 64
ROUNDS = 12  # operations per writer: 768 writes in all, bounded by count rather than by time


def write_for_a_while(client: httpx.Client, writer: int) -> tuple[dict[int, dict | None], list]:
    """One writer's bounded mix of creates, updates and deletes of its own tasks.

    Returns what the server acknowledged, as the state each task must now be in (None for a
    deleted one), and every answer that was not the expected success.
    """
    rng = random.Random(writer)
    expected: dict[int, dict | None] = {}
    unexpected = []
    for round_number in range(ROUNDS):
        alive = [task_id for task_id, task in expected.items() if task is not None]
        action = "create" if not alive else rng.choice(["create", "update", "update", "delete"])
        if action == "create":
            response = client.post(TASKS, json={"title": f"Writer {writer} task {round_number}"})
            if response.status_code == 201:
                expected[response.json()["id"]] = response.json()
                continue
        elif action == "update":
            task_id = rng.choice(alive)
            change = {"title": f"Writer {writer} change {round_number}", "done": rng.random() < 0.5}
            response = client.patch(task_url(task_id), json=change)
            if response.status_code == 200:
                expected[task_id] = response.json()
                continue
        else:
            task_id = rng.choice(alive)
            response = client.delete(task_url(task_id))
            if response.status_code == 204:
                expected[task_id] = None
                continue
        unexpected.append(describe(response))
    return expected, unexpected


def test_64_writers_mixing_creates_updates_and_deletes_lose_nothing(api, server, connect):
    before = total(api)
    limits = httpx.Limits(max_connections=WRITERS, max_keepalive_connections=WRITERS)

    with (
        connect(server, timeout=60.0, limits=limits) as client,
        ThreadPoolExecutor(max_workers=WRITERS) as pool,
    ):
        outcomes = list(pool.map(lambda n: write_for_a_while(client, n), range(WRITERS)))

    unexpected = [answer for _, answers in outcomes for answer in answers]
    assert unexpected == [], unexpected[:5]
    acknowledged = {task_id: task for expected, _ in outcomes for task_id, task in expected.items()}
    for task_id, task in acknowledged.items():
        response = api.get(task_url(task_id))
        if task is None:
            assert response.status_code == 404, describe(response)
        else:
            assert response.status_code == 200, describe(response)
            assert response.json() == task
    alive = sum(task is not None for task in acknowledged.values())
    assert total(api) == before + alive

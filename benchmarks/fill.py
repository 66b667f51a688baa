"""`taskbench seed`: fill any running deployment with tasks through its API, for Locust by hand.

The benchmark runner seeds its own fresh databases with SQL (seeding.py). A deployment started
with docker compose, or anywhere else, is reached only over HTTP, so this creates tasks with
POST until the server holds the number asked for, and never deletes anything.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

from taskbench.commands import Command

TASKS = "/api/v1/tasks"
BATCH = 200


def held(api: httpx.Client) -> int:
    """How many tasks the server holds."""
    response = api.get(TASKS, params={"per_page": 1})
    response.raise_for_status()
    return int(response.json()["total"])


def fill(base_url: str, rows: int, connections: int = 8) -> int:
    """Create tasks until the server holds at least `rows`; return how many were created."""
    limits = httpx.Limits(max_connections=connections)
    with httpx.Client(base_url=base_url, timeout=30.0, limits=limits) as api:
        missing = max(rows - held(api), 0)
        created = 0

        def create(number: int) -> None:
            response = api.post(TASKS, json={"title": f"Seeded task {number}", "done": False})
            if response.status_code != 201:
                raise RuntimeError(f"POST {TASKS} answered {response.status_code}")

        with ThreadPoolExecutor(connections) as pool:
            while created < missing:
                batch = min(BATCH, missing - created)
                list(pool.map(create, range(created, created + batch)))
                created += batch
                print(f"seed: {created}/{missing} created", file=sys.stderr, flush=True)
        if (total := held(api)) < rows:
            raise RuntimeError(f"the server holds {total} tasks after seeding, not {rows}")
    return created


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the seed options to a parser."""
    parser.add_argument("base_url", help="the deployment, e.g. http://127.0.0.1:8001")
    parser.add_argument("--rows", type=int, default=10_000, help="tasks it must hold (10000)")
    parser.add_argument("--connections", type=int, default=8, help="parallel requests (8)")


def main(args: argparse.Namespace) -> int:
    """Fill the deployment; one line on stderr and exit 1 when the server refuses or is away."""
    if args.rows < 1 or args.connections < 1:
        print("taskbench seed: error: --rows and --connections must be positive", file=sys.stderr)
        return 2
    try:
        created = fill(args.base_url.rstrip("/"), args.rows, args.connections)
    except (httpx.HTTPError, RuntimeError, KeyError, ValueError) as exc:
        print(f"taskbench seed: error: {args.base_url}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.base_url} holds at least {args.rows} tasks ({created} created now)")
    return 0


COMMAND = Command(
    "seed", "fill a running deployment with tasks over HTTP", "bench", add_arguments, main
)

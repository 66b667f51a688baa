"""PostgreSQL round trips per request: what each operation of a served variant asks of the database.

`measure(impl, variant)` serves the variant through `taskbench serve` on a fresh PostgreSQL
database, with the database proxy (benchmarks/dbproxy.py) in between at 0 ms, and warms every
operation up. Then, for each operation (health, read, list, create, replace, update, delete), it
sends `requests` requests one at a time and counts, per request, the PostgreSQL protocol round
trips the server made: Sync and simple Query messages. A request's count closes once the
proxy has seen no traffic for a moment after the answer, so that what a server sends after it
answered (a session closed after the response, say) counts toward that request.

The result is a typed value; `RoundTrips.as_dict()` is its JSON form for results.json:

    {"impl": "fastapi", "variant": "uvicorn", "requests": 10, "warmup": 20,
     "operations": {"read": {"method": "GET", "path": "/api/v1/tasks/{id}",
                              "round_trips": 3, "min": 3, "max": 3,
                              "connections_opened": 0, "messages": {"Q": 2.0, "S": 1.0}},
                    ...},
     "db_connections": {"rule": "...", "per_worker": 15, "workers": 1, "limit": 15,
                        "peak": 15}}

`round_trips` is the count most requests of the operation made (min and max show any other),
`connections_opened` likewise the new database connections per request, and `messages` the
mean number of frontend messages per request by type letter. `db_connections` is the
registry's connection limit for the server as served (taskbench.registry.db_connections) and
`peak` the most connections it held at once while twice as many reads as the limit, and 8 more,
waited on a database PEAK_DELAY_MS away.

    python -m benchmarks.roundtrips fastapi [--variant uvicorn] [--database-url URL]

prints one variant's counts (every variant's without --variant) as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.dbproxy import Counters, LatencyProxy
from taskbench import databases, launcher, registry

TASKS = "/api/v1/tasks"
OPERATIONS = ("health", "read", "list", "create", "replace", "update", "delete")
REQUESTS = 10
# Requests of each operation before it is counted, so that every worker has opened its
# connection and run the operation's statements once (asyncpg prepares a statement on first use,
# a round trip more). A worker that still does so while counted shows in `max`, not the count.
WARMUP = 20
QUIET_INTERVAL = 0.01
QUIET_LIMIT = 2.0
# While the peak of connections is measured, each answer of the database waits this long, so
# that every request the server takes in holds its connection at the same time as the others.
PEAK_DELAY_MS = 100.0
LOG_DIR = databases.VAR_DIR / "roundtrips"


class RoundTripError(RuntimeError):
    """A measurement that could not be made, with a message fit for a terminal."""


@dataclass(frozen=True)
class OperationRoundTrips:
    """The round trips of one operation's requests."""

    name: str
    method: str
    path: str
    round_trips: int
    min: int
    max: int
    connections_opened: int
    messages: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The operation's counts as JSON."""
        return {
            "method": self.method,
            "path": self.path,
            "round_trips": self.round_trips,
            "min": self.min,
            "max": self.max,
            "connections_opened": self.connections_opened,
            "messages": self.messages,
        }


@dataclass(frozen=True)
class RoundTrips:
    """The round trips per request of every operation of one served variant."""

    impl: str
    variant: str
    requests: int
    warmup: int
    operations: tuple[OperationRoundTrips, ...]
    # The registry's connection limit for the server as served, and the most connections it
    # held at once while more requests than that waited on a slow database.
    db_connections: registry.DbConnections
    peak_connections: int

    def counts(self) -> dict[str, int]:
        """Round trips per request by operation name."""
        return {op.name: op.round_trips for op in self.operations}

    def as_dict(self) -> dict[str, Any]:
        """The measurement as JSON (the shape in the module docstring)."""
        return {
            "impl": self.impl,
            "variant": self.variant,
            "requests": self.requests,
            "warmup": self.warmup,
            "operations": {op.name: op.as_dict() for op in self.operations},
            "db_connections": {**self.db_connections.as_dict(), "peak": self.peak_connections},
        }


@dataclass
class Tasks:
    """The API of a served variant, and tasks made for the operations that need one."""

    api: httpx.Client
    ids: list[int] = field(default_factory=list)
    made: int = 0

    def create(self) -> int:
        """A new task's id."""
        self.made += 1
        response = _ok(self.api.post(TASKS, json={"title": f"Round trip {self.made}"}), 201)
        return int(response.json()["id"])

    def some(self) -> int:
        """The id of a task that exists."""
        if not self.ids:
            self.ids.append(self.create())
        return self.ids[0]

    def change(self) -> int:
        """A number that differs from the last one, so that every write changes the row."""
        self.made += 1
        return self.made


def _replace(tasks: Tasks) -> httpx.Response:
    n = tasks.change()
    body = {"title": f"Replaced {n}", "done": n % 2 == 0}
    return tasks.api.put(f"{TASKS}/{tasks.some()}", json=body)


def _update(tasks: Tasks) -> httpx.Response:
    return tasks.api.patch(f"{TASKS}/{tasks.some()}", json={"done": tasks.change() % 2 == 0})


Request = Callable[[Tasks], httpx.Response]
# Each operation: its method, its route, and one request of it. Writes change the row every
# time (an ORM skips an UPDATE that would change nothing).
ROUTES: dict[str, tuple[str, str, Request]] = {
    "health": ("GET", "/health", lambda t: t.api.get("/health")),
    "read": ("GET", f"{TASKS}/{{id}}", lambda t: t.api.get(f"{TASKS}/{t.some()}")),
    "list": (
        "GET",
        f"{TASKS}?page={{page}}&per_page=20",
        lambda t: t.api.get(TASKS, params={"page": 1, "per_page": 20}),
    ),
    "create": ("POST", TASKS, lambda t: t.api.post(TASKS, json={"title": "Counted"})),
    "replace": ("PUT", f"{TASKS}/{{id}}", _replace),
    "update": ("PATCH", f"{TASKS}/{{id}}", _update),
    "delete": ("DELETE", f"{TASKS}/{{id}}", lambda t: t.api.delete(f"{TASKS}/{t.ids.pop()}")),
}
EXPECTED_STATUS = {"create": 201, "delete": 204}


def _ok(response: httpx.Response, status: int = 200) -> httpx.Response:
    if response.status_code != status:
        request = response.request
        raise RoundTripError(
            f"{request.method} {request.url.path}: expected {status}, "
            f"got {response.status_code}: {response.text[:200]!r}"
        )
    return response


def quiet(proxy: LatencyProxy) -> Counters:
    """The proxy's counters once no byte has moved for QUIET_INTERVAL (at most QUIET_LIMIT)."""
    deadline = time.monotonic() + QUIET_LIMIT
    last = proxy.counters()
    while time.monotonic() < deadline:
        time.sleep(QUIET_INTERVAL)
        now = proxy.counters()
        if (now.bytes_to_database, now.bytes_to_client) == (
            last.bytes_to_database,
            last.bytes_to_client,
        ):
            return now
        last = now
    return last


def _most_common(values: list[int]) -> int:
    counted = Counter(values).most_common()
    best = counted[0][1]
    return min(value for value, times in counted if times == best)


def measure_operation(
    name: str, tasks: Tasks, proxy: LatencyProxy, requests: int, warmup: int
) -> OperationRoundTrips:
    """Warm an operation up, then count the round trips of `requests` requests one at a time."""
    method, path, send = ROUTES[name]
    status = EXPECTED_STATUS.get(name, 200)
    if name == "delete":
        tasks.ids.extend(tasks.create() for _ in range(warmup + requests))
    for _ in range(warmup):
        _ok(send(tasks), status)
    proxy.reset()
    changes = []
    before = quiet(proxy)
    for _ in range(requests):
        _ok(send(tasks), status)
        after = quiet(proxy)
        changes.append(after - before)
        before = after
    messages: Counter[str] = Counter()
    for change in changes:
        messages.update(change.messages)
    trips = [change.round_trips for change in changes]
    return OperationRoundTrips(
        name=name,
        method=method,
        path=path,
        round_trips=_most_common(trips),
        min=min(trips),
        max=max(trips),
        connections_opened=_most_common([c.connections_opened for c in changes]),
        messages={kind: round(n / requests, 2) for kind, n in sorted(messages.items())},
    )


def peak_connections(tasks: Tasks, proxy: LatencyProxy, clients: int) -> int:
    """The most database connections the server held while `clients` reads, sent at once,
    waited on a database PEAK_DELAY_MS away."""
    task = f"{TASKS}/{tasks.some()}"
    start = threading.Barrier(clients)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    with httpx.Client(base_url=tasks.api.base_url, timeout=30.0, limits=limits) as api:

        def read(_: int) -> None:
            start.wait(30.0)
            _ok(api.get(task))

        proxy.set_delay(PEAK_DELAY_MS)
        try:
            proxy.reset()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(read, range(clients)))
            return proxy.counters().connections_peak
        finally:
            proxy.set_delay(0.0)


def _database_name(impl: str, variant: str) -> str:
    return re.sub(r"\W", "_", f"taskbench_rt_{impl}_{variant}_{os.getpid()}")


def measure(
    impl: str,
    variant: str | None = None,
    *,
    admin_url: str = databases.DEFAULT_POSTGRES_URL,
    requests: int = REQUESTS,
    warmup: int = WARMUP,
    server_cpus: set[int] | None = None,
    proxy_cpus: set[int] | None = None,
    log_dir: Path = LOG_DIR,
) -> RoundTrips:
    """Serve a variant on a fresh database through the proxy at 0 ms and count its round trips;
    then measure the most database connections it holds at once."""
    served = registry.get(impl).variant(variant)
    variant = served.name
    cores = len(server_cpus) if server_cpus else registry.available_cores()
    limit = registry.db_connections(served, registry.default_workers(served.worker_model, cores))
    name = _database_name(impl, variant)
    database_url = databases.recreate_postgres(admin_url, name)
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        with LatencyProxy.for_url(
            database_url, cpus=proxy_cpus, log_path=log_dir / f"{impl}-{variant}.proxy.log"
        ) as proxy:
            server = launcher.ServerProcess(
                impl=impl,
                variant=variant,
                database_url=proxy.url_for(database_url),
                port=launcher.free_port(),
                log_path=log_dir / f"{impl}-{variant}.log",
                cpus=server_cpus,
            )
            with server, httpx.Client(base_url=server.base_url, timeout=30.0) as api:
                tasks = Tasks(api)
                operations = tuple(
                    measure_operation(op, tasks, proxy, requests, warmup) for op in OPERATIONS
                )
                encrypted = proxy.counters().encrypted
                peak = peak_connections(tasks, proxy, 2 * limit.limit + 8)
    finally:
        databases.drop_postgres(admin_url, name)
    if encrypted:
        raise RoundTripError(
            f"{impl}/{variant} spoke TLS to PostgreSQL, which the proxy cannot count: "
            "add sslmode=disable to the database URL"
        )
    return RoundTrips(impl, variant, requests, warmup, operations, limit, peak)


def main(argv: list[str] | None = None) -> int:
    """Print the round trips per request of one implementation's variants as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.roundtrips", description=measure.__doc__
    )
    parser.add_argument("impl", choices=list(registry.IMPLEMENTATIONS))
    parser.add_argument("--variant", help="one variant (default: every variant)")
    parser.add_argument("--database-url", default=databases.DEFAULT_POSTGRES_URL)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--server-cpus", help="comma-separated CPUs to pin the server to")
    args = parser.parse_args(argv)
    impl = registry.get(args.impl)
    try:
        variants = [impl.variant(args.variant).name] if args.variant else None
    except KeyError as error:
        parser.error(str(error.args[0]))
    if databases.kind(args.database_url) != "postgresql":
        parser.error("round trips are counted on PostgreSQL: give a postgresql:// URL")
    cpus = {int(c) for c in args.server_cpus.split(",")} if args.server_cpus else None
    found = {}
    try:
        for variant in variants or [v.name for v in impl.variants]:
            measured = measure(
                args.impl,
                variant,
                admin_url=args.database_url,
                requests=args.requests,
                server_cpus=cpus,
            )
            found[variant] = measured.as_dict()
    except (RoundTripError, launcher.LaunchError, databases.DatabaseError) as error:
        print(f"roundtrips: error: {error}", file=sys.stderr)
        return 1
    json.dump(found, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

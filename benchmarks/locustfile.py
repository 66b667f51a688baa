"""The benchmark scenarios: one FastHttpUser per scenario, every response checked.

The runner (benchmarks/loadgen.py) starts one Locust process per measured window, naming the
scenario's user class, for example:

    locust -f benchmarks/locustfile.py MixedUser --headless -u 32 -r 32 -t 33s
        --host http://127.0.0.1:PORT --warmup 3 --measure 20 --first-id 1 --last-id 10000
        --rate-per-user 0 --window-out DIR/mixed-u32-r1.window.json --csv DIR/mixed-u32-r1

The first --warmup seconds are not measured: Locust's stats are reset when they end. After
--measure more seconds the process stops its users and quits (--run-time is only a safety net).
Without --window-out (the web UI, or distributed master and workers) none of this applies and
Locust's own controls start and stop the test.
When the users have stopped, the window summary (latency percentiles per route at 0.5% resolution,
failures by kind, and the ledger of writes the server acknowledged) goes to --window-out.
Lines starting with `TASKBENCH ` on stdout tell the runner the phases and the running count.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, constant_throughput, events, task
from locust.contrib.fasthttp import ResponseContextManager
from locust.env import Environment
from locust.runners import MasterRunner

from benchmarks.latency import Histogram

TASKS = "/api/v1/tasks"
TASK_ROUTE = "/api/v1/tasks/{id}"
PER_PAGE = 20
TASK_FIELDS = {"id", "title", "done", "created_at"}
FAILURE_KINDS = ("status", "body", "connection")
MAX_EXAMPLES = 5
_titles = itertools.count(1)


@dataclass
class Ledger:
    """Every write the server acknowledged, and the writes whose outcome is unknown."""

    created: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    # No answer, a 5xx, or still in flight when the process stopped: the row may or may not
    # have been written.
    uncertain_creates: int = 0
    uncertain_deletes: set[int] = field(default_factory=set)
    in_flight_creates: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The ledger as JSON."""
        return {
            "created": sorted(self.created),
            "deleted": sorted(self.deleted),
            "uncertain_creates": self.uncertain_creates + self.in_flight_creates,
            "uncertain_deletes": sorted(self.uncertain_deletes),
        }


@dataclass
class Window:
    """What this process measures: per-route histograms and failures after the warm-up."""

    measuring: bool = False
    start: float = 0.0
    end: float = 0.0
    total: Histogram = field(default_factory=Histogram)
    routes: dict[tuple[str, str], Histogram] = field(default_factory=dict)
    route_failures: dict[tuple[str, str], int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAILURE_KINDS, 0))
    examples: list[str] = field(default_factory=list)
    seen: int = 0  # requests since the process started, warm-up included, for the live display
    # Responses that closed their connection (Connection: close, as gunicorn's sync workers
    # send): each makes the user open a new connection for its next request.
    closed: int = 0


WINDOW = Window()
LEDGER = Ledger()


def emit(event: str, **fields: Any) -> None:
    """Tell the runner something on stdout, one JSON line."""
    print("TASKBENCH " + json.dumps({"event": event, "time": time.time(), **fields}), flush=True)


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    group = parser.add_argument_group("taskbench")
    group.add_argument("--warmup", type=float, default=0.0, help="seconds not measured")
    group.add_argument("--measure", type=float, default=10.0, help="seconds measured, then quit")
    group.add_argument("--first-id", type=int, default=0, help="lowest seeded task id")
    group.add_argument(
        "--last-id",
        type=int,
        default=0,
        help="highest seeded task id (default: learned from the server's consecutive ids)",
    )
    group.add_argument(
        "--rate-per-user", type=float, default=0.0, help="task runs/s per user; 0 = closed loop"
    )
    group.add_argument("--window-out", default="", help="where to write the window summary")


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response_time: float,
    exception: BaseException | None = None,
    response: Any = None,
    **_: Any,
) -> None:
    WINDOW.seen += 1
    if not WINDOW.measuring:
        return
    headers = getattr(response, "headers", None)
    if headers and str(headers.get("connection") or "").lower() == "close":
        WINDOW.closed += 1
    key = (request_type, name)
    WINDOW.total.record(response_time)
    WINDOW.routes.setdefault(key, Histogram()).record(response_time)
    if exception is not None:
        message = str(exception)
        kind = message.split(":", 1)[0]
        WINDOW.failures[kind if kind in FAILURE_KINDS else "status"] += 1
        WINDOW.route_failures[key] = WINDOW.route_failures.get(key, 0) + 1
        if len(WINDOW.examples) < MAX_EXAMPLES:
            WINDOW.examples.append(f"{request_type} {name}: {message}"[:300])


@events.test_start.add_listener
def _start(environment: Environment, **_: Any) -> None:
    # Only the runner's measured windows time themselves; under the web UI or as a distributed
    # master or worker, Locust's own controls decide when the test starts and stops.
    options = environment.parsed_options
    if not options.window_out:
        if not options.last_id and not isinstance(environment.runner, MasterRunner):
            _learn_ids(environment)
        return
    gevent.spawn(_warm_up_then_measure, environment)
    gevent.spawn(_tick)


def _learn_ids(environment: Environment) -> None:
    """Find the server's first block of consecutive task ids, for reads of tasks that exist."""
    host = (environment.host or "").rstrip("/")

    def id_at(page: int) -> tuple[int, int]:
        url = f"{host}{TASKS}?page={page}&per_page=1"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the target
            body = json.load(response)
        return body["items"][0]["id"] if body["items"] else 0, body["total"]

    first, total = id_at(1)
    if not total:
        sys.exit(f"{host} holds no tasks: run `taskbench seed {host}` first, or pass --last-id")
    low, high = 1, total  # the item on page `low` is known to have id first + low - 1
    while low < high:
        middle = (low + high + 1) // 2
        if id_at(middle)[0] == first + middle - 1:
            low = middle
        else:
            high = middle - 1
    options = environment.parsed_options
    options.first_id, options.last_id = first, first + low - 1
    print(f"taskbench: reading tasks {first}..{first + low - 1} of {host}", file=sys.stderr)


def _warm_up_then_measure(environment: Environment) -> None:
    options = environment.parsed_options
    gevent.sleep(options.warmup)
    environment.stats.reset_all()
    WINDOW.measuring = True
    WINDOW.start = time.time()
    emit("measure")
    gevent.sleep(options.measure)
    _end_window()
    if environment.runner is not None:
        environment.runner.quit()


def _end_window() -> None:
    if WINDOW.measuring:
        WINDOW.measuring = False
        WINDOW.end = time.time()
        emit("stopping")


def _tick() -> None:
    while True:
        emit("tick", requests=WINDOW.seen, measuring=WINDOW.measuring)
        gevent.sleep(1.0)


@events.test_stopping.add_listener
def _stopping(**_: Any) -> None:
    # Normally the window has ended already; this covers a stop from outside (--run-time, SIGTERM).
    _end_window()


@events.test_stop.add_listener
def _write_window(environment: Environment, **_: Any) -> None:
    options = environment.parsed_options
    if not options.window_out:
        return
    summary = {
        "scenario": SCENARIO_OF.get(tuple(options.user_classes or ()), "unknown"),
        "users": options.num_users,
        "rate_per_user": options.rate_per_user,
        "warmup_seconds": options.warmup,
        "window": {
            "start": WINDOW.start,
            "end": WINDOW.end,
            "seconds": max(WINDOW.end - WINDOW.start, 0.0) if WINDOW.start else 0.0,
        },
        "requests": WINDOW.total.count,
        "connections_closed": WINDOW.closed,
        "failures": {"total": sum(WINDOW.failures.values()), **WINDOW.failures},
        "latency_ms": WINDOW.total.summary(),
        "routes": [
            {
                "method": method,
                "name": name,
                "requests": histogram.count,
                "failures": WINDOW.route_failures.get((method, name), 0),
                "latency_ms": histogram.summary(),
            }
            for (method, name), histogram in sorted(WINDOW.routes.items())
        ],
        "failure_examples": WINDOW.examples,
        "ledger": LEDGER.as_dict(),
    }
    path = Path(options.window_out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary), encoding="utf-8")
    emit("written", path=str(path))


def _problem(kind: str, response: ResponseContextManager, expected: str) -> None:
    got = response.status_code or f"no answer ({response.error!r})"
    body = (response.text or "")[:120] if response.status_code else ""
    response.failure(f"{kind}: expected {expected}, got {got} {body}".rstrip())


def _json(response: ResponseContextManager) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _answered(response: ResponseContextManager, status: int) -> bool:
    """True when the status is the expected one; marks the failure otherwise."""
    if response.status_code == status:
        return True
    kind = "connection" if not response.status_code else "status"
    _problem(kind, response, str(status))
    return False


def _unsure(response: ResponseContextManager) -> bool:
    """A write whose outcome the server did not make known: no answer or a server error."""
    return not response.status_code or response.status_code >= 500


class BenchUser(FastHttpUser):
    """Common to every scenario: closed loop, or paced by constant_throughput."""

    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0
    _pace: Any = None

    def wait_time(self) -> float:
        """No think time in the closed loop; constant_throughput pacing at a fixed load."""
        return self._pace(self) if self._pace else 0.0

    def on_start(self) -> None:
        """Set up pacing; start paced users at random offsets so requests arrive spread out."""
        options = self.environment.parsed_options
        self.first_id, self.last_id = options.first_id, options.last_id
        self.own: list[int] = []
        if options.rate_per_user > 0:
            self._pace = constant_throughput(options.rate_per_user)
            gevent.sleep(random.uniform(0, 1 / options.rate_per_user))
            self._cp_last_run = time.perf_counter()

    def health(self) -> None:
        """GET /health: 200 with status ok."""
        with self.client.get("/health", name="/health", catch_response=True) as response:
            if _answered(response, 200) and (_json(response) or {}).get("status") != "ok":
                _problem("body", response, '{"status": "ok", ...}')

    def read(self) -> None:
        """GET one seeded task by random id: 200 with that task."""
        task_id = random.randint(self.first_id, self.last_id)
        with self.client.get(f"{TASKS}/{task_id}", name=TASK_ROUTE, catch_response=True) as r:
            if _answered(r, 200):
                body = _json(r)
                if (
                    not isinstance(body, dict)
                    or body.get("id") != task_id
                    or set(body) != TASK_FIELDS
                ):
                    _problem("body", r, f"task {task_id}")

    def list_page(self) -> None:
        """GET a random full page of seeded tasks, per_page 20: exactly the expected ids."""
        full_pages = max((self.last_id - self.first_id + 1) // PER_PAGE, 1)
        page = random.randint(1, full_pages)
        url = f"{TASKS}?page={page}&per_page={PER_PAGE}"
        with self.client.get(url, name=f"{TASKS}?page={{page}}", catch_response=True) as r:
            if _answered(r, 200):
                body = _json(r)
                first = self.first_id + (page - 1) * PER_PAGE
                expected = list(range(first, first + PER_PAGE))
                items = body.get("items") if isinstance(body, dict) else None
                ids = [item.get("id") for item in items or [] if isinstance(item, dict)]
                if ids != expected or body.get("page") != page or body.get("per_page") != PER_PAGE:
                    _problem("body", r, f"page {page} with ids {first}..{expected[-1]}")

    def create(self) -> None:
        """POST a task: 201, the task echoed, and its Location; remembered in the ledger."""
        title = f"Bench task {next(_titles)}"
        LEDGER.in_flight_creates += 1
        try:
            with self.client.post(
                TASKS, json={"title": title, "done": False}, name=TASKS, catch_response=True
            ) as r:
                body = _json(r) if r.status_code == 201 else None
                task_id = body.get("id") if isinstance(body, dict) else None
                if isinstance(task_id, int):
                    LEDGER.created.add(task_id)
                    self.own.append(task_id)
                elif r.status_code == 201 or _unsure(r):
                    LEDGER.uncertain_creates += 1
                if _answered(r, 201) and (
                    not isinstance(task_id, int)
                    or body.get("title") != title
                    or body.get("done") is not False
                    or r.headers.get("location") != f"{TASKS}/{task_id}"
                ):
                    _problem("body", r, f"the new task {title!r} and its Location")
        finally:
            LEDGER.in_flight_creates -= 1

    def update(self) -> None:
        """PATCH one of this user's own tasks to done: 200 with the change (a create if none)."""
        if not self.own:
            self.create()
            return
        task_id = random.choice(self.own)
        with self.client.patch(
            f"{TASKS}/{task_id}", json={"done": True}, name=TASK_ROUTE, catch_response=True
        ) as r:
            if _answered(r, 200):
                body = _json(r)
                if (
                    not isinstance(body, dict)
                    or body.get("id") != task_id
                    or body.get("done") is not True
                ):
                    _problem("body", r, f"task {task_id} done")

    def delete(self) -> None:
        """DELETE one of this user's own tasks: 204 (a create if it has none)."""
        if not self.own:
            self.create()
            return
        task_id = self.own.pop(random.randrange(len(self.own)))
        LEDGER.uncertain_deletes.add(task_id)
        with self.client.delete(f"{TASKS}/{task_id}", name=TASK_ROUTE, catch_response=True) as r:
            if r.status_code == 204:
                LEDGER.deleted.add(task_id)
            if not _unsure(r):
                LEDGER.uncertain_deletes.discard(task_id)
            _answered(r, 204)


class HealthUser(BenchUser):
    """health: GET /health, the framework's floor."""

    @task
    def health_task(self) -> None:
        self.health()


class ReadUser(BenchUser):
    """read: GET one task by random id."""

    @task
    def read_task(self) -> None:
        self.read()


class ListUser(BenchUser):
    """list: GET a random page, per_page 20."""

    @task
    def list_task(self) -> None:
        self.list_page()


class CreateUser(BenchUser):
    """create: POST a new task."""

    @task
    def create_task(self) -> None:
        self.create()


class MixedUser(BenchUser):
    """mixed CRUD: 60% read, 20% list, 10% create, 5% update, 5% delete of its own tasks."""

    @task(60)
    def read_task(self) -> None:
        self.read()

    @task(20)
    def list_task(self) -> None:
        self.list_page()

    @task(10)
    def create_task(self) -> None:
        self.create()

    @task(5)
    def update_task(self) -> None:
        self.update()

    @task(5)
    def delete_task(self) -> None:
        self.delete()


USER_CLASSES = {
    "health": HealthUser,
    "read": ReadUser,
    "list": ListUser,
    "create": CreateUser,
    "mixed": MixedUser,
}
SCENARIO_OF = {(cls.__name__,): name for name, cls in USER_CLASSES.items()}

if __name__ == "__main__":
    sys.exit("run me with locust -f, as benchmarks/loadgen.py does")

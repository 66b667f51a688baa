"""How servers reach their database: the direct route, the seam where the latency proxy plugs in,
and the command line's refusals.

The latency proxy itself (benchmarks/dbproxy.py) has its own tests (test_dbproxy.py). Here a
stand-in with its API, which forwards nothing (the server keeps its own database URL) and only
records what it is asked, shows that a run passes every level's delay to it, samples its
process, keeps its counters and stops it.
"""

from __future__ import annotations

import json
import os
import types
from pathlib import Path
from typing import Any

import pytest

from benchmarks import dbproxy, plan, roundtrips, routes, runner
from benchmarks.plan import Settings
from benchmarks.storage import DatabaseServer
from taskbench import cli, registry

POSTGRES = "postgresql://127.0.0.1:5432/postgres"


class StandInProxy:
    """benchmarks.dbproxy.LatencyProxy's planned API; the server keeps its own database URL."""

    made: list[StandInProxy] = []

    def __init__(self, host: str, port: int, delay_ms: float = 0.0, cpus=None, log_path=None):
        self.upstream = (host, port)
        self.delays = [delay_ms]
        self.cpus = cpus
        self.stopped = False
        self.resets = 0
        StandInProxy.made.append(self)

    def start(self) -> StandInProxy:
        self.port = 1
        self.pid = os.getpid()
        return self

    def url_for(self, database_url: str) -> str:
        return database_url

    def set_delay(self, ms: float) -> None:
        self.delays.append(ms)

    def counters(self) -> dict[str, Any]:
        return {"round_trips": 7}

    def reset(self) -> None:
        self.resets += 1

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> type[StandInProxy]:
    """benchmarks.dbproxy.LatencyProxy replaced by the stand-in for the test."""
    monkeypatch.setattr(dbproxy, "LatencyProxy", StandInProxy)
    StandInProxy.made = []
    return StandInProxy


def test_direct_route_leaves_the_url_alone_and_adds_nothing() -> None:
    route = routes.open_route("postgresql://127.0.0.1:5432/db", False, frozenset({1}))

    assert route.url_for("postgresql://127.0.0.1:5432/db") == "postgresql://127.0.0.1:5432/db"
    assert route.pid is None
    assert route.counters() is None
    route.set_delay(0)
    with pytest.raises(routes.RouteError):
        route.set_delay(10)


def test_proxy_route_starts_the_proxy_on_the_client_cores(stand_in) -> None:
    route = routes.open_route("postgresql://db.example:6543/tasks", True, frozenset({1}))
    route.set_delay(10.0)
    route.close()

    (proxy,) = stand_in.made
    assert proxy.upstream == ("db.example", 6543)
    assert proxy.cpus == {1}
    assert proxy.delays == [0.0, 10.0]
    assert proxy.stopped
    assert route.delay_ms == 10.0


def test_a_run_hands_every_level_to_the_proxy_and_keeps_its_counters(
    stand_in, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKBENCH_VAR", str(tmp_path / "var"))
    monkeypatch.setattr("taskbench.databases.VAR_DIR", tmp_path / "var")
    settings = Settings(
        impls=("fastapi",), variants="default", scenarios=("read",), rounds=1, duration=1,
        users=(32,), sweep_cap=32, warmup=0.0, seed_rows=50, slow_hold=0,
        db_latency=(0.0, 1.0, 2.0), reference_seconds=0.2, round_trips=False,
    )  # fmt: skip
    server, client = runner.default_cpus()
    options = runner.Options(
        plan=plan.build(settings, {"fastapi": None}),
        database=DatabaseServer("postgresql", postgres_url),
        server_cpus=server,
        client_cpus=client,
        results_root=tmp_path / "results",
        wrk=None,
        live=False,
    )

    assert runner.execute(options) == 0

    (proxy,) = stand_in.made
    assert proxy.delays == [0.0, 1.0, 1.0, 2.0, 2.0]
    assert proxy.stopped
    found = tmp_path / "results" / "latest" / "results.json"
    document = json.loads(found.read_text())
    proxied = [r for r in document["records"] if r["db_latency_ms"]]
    assert sorted((r["db_latency_ms"], r["users"]) for r in proxied) == [
        (1.0, 1), (1.0, 32), (2.0, 1), (2.0, 32),
    ]  # fmt: skip
    assert all(r["proxy_counters"] == {"round_trips": 7} for r in proxied)
    assert all(r["client"]["proxy_cpu_percent"] is not None for r in proxied)
    assert {s["route"] for s in document["sessions"]} == {"direct", "proxy"}
    assert all(s["db_connections"]["limit"] >= 1 for s in document["sessions"])
    assert document["conditions"]["db_connection_rules"] == dict(registry.DB_CONNECTION_RULES)


def test_added_latency_on_sqlite_is_refused_in_one_line(capsys: pytest.CaptureFixture) -> None:
    code = cli.main(["bench", "--dry-run", "--db-latency", "10", "--database-url", "sqlite"])

    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        "taskbench: error: --db-latency needs PostgreSQL: an embedded database (SQLite) has no "
        "network to delay"
    ]


def test_added_latency_without_the_proxy_is_refused_in_one_line(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "proxy_available", lambda: False)

    code = cli.main(["bench", "--dry-run", "--db-latency", "1,10", "--database-url", POSTGRES])

    assert code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("taskbench: error: --db-latency: the database-latency levels need")


def test_without_the_proxy_the_default_plan_says_a_run_leaves_the_levels_out(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "proxy_available", lambda: False)

    code = cli.main(["bench", "--dry-run", "--database-url", POSTGRES])

    assert code == 0
    found = capsys.readouterr()
    assert "a run now leaves those levels out" in found.err
    assert "database +100 ms" in found.out


def test_round_trips_are_counted_for_every_measured_variant_and_a_failure_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted: list[tuple[str, str]] = []

    def measure(impl: str, variant: str, **options: Any) -> Any:
        counted.append((impl, variant))
        if variant == "gunicorn-gthread":
            raise roundtrips.RoundTripError("spoke TLS")
        return types.SimpleNamespace(as_dict=lambda: {"impl": impl, "variant": variant})

    monkeypatch.setattr(roundtrips, "measure", measure)
    notes: list[str] = []
    servers = [("flask", "gunicorn-sync"), ("flask", "gunicorn-gthread"), ("django", "asgi")]
    run = types.SimpleNamespace(
        settings=Settings(round_trips=True),
        database=DatabaseServer("postgresql", POSTGRES),
        options=types.SimpleNamespace(
            plan=types.SimpleNamespace(servers=servers), server_cpus={0}, client_cpus={1}
        ),
        failed={("django", "asgi"): "did not start"},
        seeded={"flask": object(), "django": object()},
        progress=types.SimpleNamespace(phase=lambda *a, **k: None, note=notes.append),
        results=types.SimpleNamespace(round_trips=[], out=tmp_path),
    )

    runner.count_round_trips(run)  # type: ignore[arg-type]

    assert counted == servers[:2]
    assert run.results.round_trips == [
        {"impl": "flask", "variant": "gunicorn-sync"},
        {"impl": "flask", "variant": "gunicorn-gthread", "error": "spoke TLS"},
    ]
    assert notes == ["round trips of flask/gunicorn-gthread not counted: spoke TLS"]


def test_round_trips_are_not_counted_on_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roundtrips, "measure", lambda *a, **k: pytest.fail("counted on SQLite"))
    run = types.SimpleNamespace(
        settings=Settings(round_trips=True),
        database=DatabaseServer("sqlite"),
        results=types.SimpleNamespace(round_trips=[]),
    )

    runner.count_round_trips(run)  # type: ignore[arg-type]

    assert run.results.round_trips == []

"""Round trips per request on PostgreSQL, measured for every variant against the documented ones.

reports/conformance.yaml (`database:`) documents each implementation's round trips per operation
and what it set to get them; benchmarks/roundtrips.py counts them through the database proxy.
Every selected variant is measured once, several at a time, each server on one core.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks import roundtrips
from reports.facts import conformance
from taskbench import launcher, registry

ROOT = Path(__file__).resolve().parent.parent
DATABASE = conformance.load()["database"]
VARIANTS = [
    (impl.name, variant.name)
    for impl in registry.IMPLEMENTATIONS.values()
    for variant in impl.variants
]
IDS = [f"{impl}-{variant}" for impl, variant in VARIANTS]
AT_ONCE = 7
REQUESTS = 5
WARMUP = 6

Measured = dict[tuple[str, str], roundtrips.RoundTrips | Exception]


def _measure(
    target: tuple[str, str], cpu: int, admin_url: str
) -> roundtrips.RoundTrips | Exception:
    impl, variant = target
    try:
        return roundtrips.measure(
            impl,
            variant,
            admin_url=admin_url,
            requests=REQUESTS,
            warmup=WARMUP,
            server_cpus={cpu},
        )
    except Exception as error:  # reported by the test of that variant
        return error


@pytest.fixture(scope="module")
def measured(request: pytest.FixtureRequest, postgres_url: str) -> Measured:
    """The round trips of every variant this session selected, measured once."""
    wanted = sorted(
        {
            item.callspec.params["target"]
            for item in request.session.items
            if item.module is request.module
            and "target" in getattr(getattr(item, "callspec", None), "params", {})
        }
    )
    cpus = sorted(os.sched_getaffinity(0))
    with ThreadPoolExecutor(AT_ONCE) as pool:
        found = pool.map(
            _measure,
            wanted,
            [cpus[i % len(cpus)] for i in range(len(wanted))],
            [postgres_url] * len(wanted),
        )
        return dict(zip(wanted, found, strict=True))


def _of(measured: Measured, target: tuple[str, str]) -> roundtrips.RoundTrips:
    found = measured[target]
    if isinstance(found, Exception):
        raise found
    return found


@pytest.mark.parametrize(("model", "per_worker"), [("sync", 1), ("gthread", 4), ("async", 15)])
def test_a_worker_may_hold_the_connections_it_can_use_at_once(model: str, per_worker: int) -> None:
    assert registry.db_pool_size(model) == per_worker
    assert registry.DB_CONNECTION_RULES[model].startswith(f"{per_worker} per worker")


def test_the_launcher_hands_the_rule_to_the_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tasks.sqlite3'}"
    impl, variant, cfg = launcher.plan("flask", "gunicorn-gthread", database_url=url, workers=3)

    limit = registry.db_connections(variant, cfg.workers)

    assert launcher.server_environment(impl, cfg)["DATABASE_POOL_SIZE"] == "4"
    assert (limit.per_worker, limit.workers, limit.limit) == (4, 3, 12)


def test_every_variant_and_operation_is_documented() -> None:
    documented = {
        (impl, variant): set(counts)
        for impl, variants in DATABASE["round_trips"].items()
        for variant, counts in variants.items()
    }

    assert set(documented) == set(VARIANTS)
    assert all(ops == set(roundtrips.OPERATIONS) for ops in documented.values())


def test_database_entries_name_their_rule_and_still_point_at_the_code() -> None:
    problems = [
        f"{impl} {entry['rule']}: {problem}"
        for impl, entries in DATABASE["implementations"].items()
        for entry in entries
        for problem in [
            *conformance.check(entry, ROOT),
            *([] if entry["rule"] in DATABASE["rules"] else ["an undefined rule"]),
        ]
    ]

    assert set(DATABASE["implementations"]) == set(registry.IMPLEMENTATIONS)
    assert problems == []


@pytest.mark.parametrize("target", VARIANTS, ids=IDS)
def test_measured_round_trips_are_the_documented_ones(
    measured: Measured, target: tuple[str, str]
) -> None:
    found = _of(measured, target)
    impl, variant = target

    assert found.counts() == DATABASE["round_trips"][impl][variant]


@pytest.mark.parametrize("target", VARIANTS, ids=IDS)
def test_no_request_opens_a_database_connection(
    measured: Measured, target: tuple[str, str]
) -> None:
    found = _of(measured, target)

    assert {op.name: op.connections_opened for op in found.operations} == dict.fromkeys(
        roundtrips.OPERATIONS, 0
    )


@pytest.mark.parametrize("target", VARIANTS, ids=IDS)
def test_the_server_holds_as_many_connections_as_its_rule_allows_and_no_more(
    measured: Measured, target: tuple[str, str]
) -> None:
    found = _of(measured, target)

    assert found.peak_connections == found.db_connections.limit, found.as_dict()["db_connections"]

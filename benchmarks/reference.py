"""The drift reference: a fixed measurement at the start of every round, independent of any server.

Two loops, each for a fixed time, in one process per server core, pinned to that core: a fixed
CPU workload in pure Python (what a framework's request handling mostly is: building dicts,
JSON, string work), and a fixed query loop against the run's reference database (a primary-key
read of a 1,000-row table, over one connection, the way a server reads a task). Their rates
(units and queries per second) measure the machine, not a framework: a round whose rate moves
more than DRIFT_PERCENT from the run's median ran on a slower or faster machine than the
others, and every figure of that round is flagged `drift` (benchmarks/drift.py).

Run by the runner as `python -m benchmarks.reference --seconds S --database-url URL`.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

TABLE = "reference_tasks"
ROWS = 1000
TASK = {"id": 1, "title": "Reference task", "done": False, "created_at": "2026-01-01T00:00:00Z"}


def cpu_unit() -> int:
    """One unit of the CPU workload: JSON round trips and dict work, about 50 microseconds."""
    total = 0
    for i in range(20):
        task = dict(TASK, id=i, title=f"{TASK['title']} {i}")
        text = json.dumps(task)
        total += len(json.loads(text)["title"])
    return total


def rate(work: Callable[[], Any], seconds: float) -> float:
    """How many times `work` runs per second, over `seconds`."""
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while (now := time.perf_counter()) < deadline or not count:
        work()
        count += 1
    return count / (now - started)


def create(url: str) -> None:
    """Fill the reference table of a new database (PostgreSQL URL or sqlite:///PATH)."""
    rows = [(i, f"Reference task {i}", False) for i in range(1, ROWS + 1)]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split(":///", 1)[1]) as conn:
            conn.execute(f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, title TEXT, done BOOL)")
            conn.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?)", rows)  # noqa: S608
        return
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        table = sql.Identifier(TABLE)
        conn.execute(
            sql.SQL("CREATE TABLE {} (id integer PRIMARY KEY, title text, done boolean)").format(
                table
            )
        )
        with conn.cursor() as cur:
            cur.executemany(sql.SQL("INSERT INTO {} VALUES (%s, %s, %s)").format(table), rows)
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(table))


def query_rate(url: str, seconds: float) -> float:
    """Primary-key reads per second over one connection."""
    ids = iter(range(10**9))
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split(":///", 1)[1]) as conn:
            query = f"SELECT id, title, done FROM {TABLE} WHERE id = ?"  # noqa: S608
            return rate(lambda: conn.execute(query, (next(ids) % ROWS + 1,)).fetchone(), seconds)
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        query = sql.SQL("SELECT id, title, done FROM {} WHERE id = %s").format(
            sql.Identifier(TABLE)
        )
        return rate(
            lambda: conn.execute(query, (next(ids) % ROWS + 1,), prepare=True).fetchone(),
            seconds,
        )


def measure_here(url: str, seconds: float) -> dict[str, float]:
    """Both loops in this process, one after the other."""
    return {
        "cpu_units_per_second": round(rate(cpu_unit, seconds), 1),
        "queries_per_second": round(query_rate(url, seconds), 1),
    }


def _pin(cpu: int) -> Callable[[], None]:
    return lambda: os.sched_setaffinity(0, {cpu})


def measure(url: str, cpus: frozenset[int], seconds: float, timeout: float = 60.0) -> dict:
    """Run the reference on every server core at once; the summed rates and each core's."""
    argv = [sys.executable, "-m", "benchmarks.reference", "--seconds", str(seconds)]
    processes = {
        cpu: subprocess.Popen(
            [*argv, "--database-url", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_pin(cpu),
            start_new_session=True,
        )
        for cpu in sorted(cpus)
    }
    per_core = {}
    try:
        for cpu, process in processes.items():
            out, err = process.communicate(timeout=timeout)
            if process.returncode != 0:
                tail = (err.strip().splitlines() or ["no output"])[-1]
                raise RuntimeError(f"the drift reference failed on core {cpu}: {tail}")
            per_core[cpu] = json.loads(out)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return {
        "seconds": seconds,
        "cpu_units_per_second": round(sum(f["cpu_units_per_second"] for f in per_core.values()), 1),
        "queries_per_second": round(sum(f["queries_per_second"] for f in per_core.values()), 1),
        "per_core": [{"cpu": cpu, **figures} for cpu, figures in per_core.items()],
    }


def main(argv: list[str] | None = None) -> int:
    """Measure both loops here and print them as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reference")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    print(json.dumps(measure_here(args.database_url, args.seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Seeding: one task created through the API, then copied row for row with SQL.

Creating 10,000 tasks over HTTP would cost each implementation a minute on a busy 2-core
machine. Instead the implementation creates one task through its own API, so the row holds
exactly what its own code writes, and SQL copies that row until the table holds `rows` tasks.
The table is found, not named: the one table with id, title, done and created_at columns that
holds that single row (`tasks` for FastAPI and Flask, Django's own name for Django). Afterwards
the API must list exactly `rows` tasks with consecutive ids and read a copied task back equal
to the original, so a copy the implementation could not read fails the seeding.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import psycopg
from psycopg import sql

from benchmarks.storage import DatabaseServer

TASKS = "/api/v1/tasks"
SEED_TASK = {"title": "Seeded task for the benchmark", "done": False}
TASK_COLUMNS = {"id", "title", "done", "created_at"}


class SeedError(RuntimeError):
    """The seeded rows are not what the benchmark needs."""


def _sqlite_copy(path: str, rows: int) -> str:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in names:
            columns = [
                r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))
            ]
            if not set(columns) >= TASK_COLUMNS:
                continue
            quoted = ", ".join(f'"{c}"' for c in columns if c != "id")
            found = conn.execute(f'SELECT {quoted} FROM "{table}"').fetchall()  # noqa: S608
            if len(found) != 1:
                continue
            marks = ", ".join("?" for _ in found[0])
            conn.executemany(
                f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',  # noqa: S608
                [found[0]] * (rows - 1),
            )
            conn.execute("ANALYZE")
            return table
    raise SeedError("seeding: no table holds the one task created through the API")


def _postgres_copy(url: str, rows: int) -> str:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        tables: dict[str, list[str]] = {}
        for table, column in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ):
            tables.setdefault(table, []).append(column)
        for table, columns in tables.items():
            if not set(columns) >= TASK_COLUMNS:
                continue
            names = [sql.Identifier(c) for c in columns if c != "id"]
            select = sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(names), sql.Identifier(table)
            )
            found = conn.execute(select).fetchall()
            if len(found) != 1:
                continue
            conn.execute(
                sql.SQL("INSERT INTO {} ({}) SELECT {} FROM generate_series(1, %s)").format(
                    sql.Identifier(table),
                    sql.SQL(", ").join(names),
                    sql.SQL(", ").join(sql.Placeholder() * len(names)),
                ),
                [*found[0], rows - 1],
            )
            conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
            return table
    raise SeedError("seeding: no table holds the one task created through the API")


def seed(base_url: str, database: DatabaseServer, name: str, rows: int) -> str:
    """Fill an empty task table to `rows` identical tasks; return the table's name."""
    with httpx.Client(base_url=base_url, timeout=30.0) as api:
        response = api.post(TASKS, json=SEED_TASK)
        if response.status_code != 201:
            raise SeedError(f"seeding: POST {TASKS} answered {response.status_code}")
    url = database.url(name)
    if database.kind == "sqlite":
        return _sqlite_copy(url.split(":///", 1)[1], rows)
    return _postgres_copy(url, rows)


def _task(api: httpx.Client, task_id: int) -> dict[str, Any]:
    response = api.get(f"{TASKS}/{task_id}")
    if response.status_code != 200:
        raise SeedError(f"seeding: GET {TASKS}/{task_id} answered {response.status_code}")
    return response.json()


def seeded_range(base_url: str, rows: int) -> tuple[int, int]:
    """The first and last id of the seeded rows; raises unless the API serves them all alike."""
    with httpx.Client(base_url=base_url, timeout=30.0) as api:
        first_page = api.get(TASKS, params={"page": 1, "per_page": 1}).json()
        if first_page["total"] != rows:
            held = first_page["total"]
            raise SeedError(f"seeding: expected {rows} tasks, the server holds {held}")
        last_page = api.get(TASKS, params={"page": rows, "per_page": 1}).json()
        first, last = first_page["items"][0]["id"], last_page["items"][0]["id"]
        if last - first + 1 != rows:
            raise SeedError(f"seeding: ids {first}..{last} are not {rows} consecutive ids")
        original, copy = _task(api, first), _task(api, last)
    if {**copy, "id": first} != original:
        raise SeedError(f"seeding: copied task {copy} differs from the original {original}")
    return first, last

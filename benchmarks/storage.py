"""The benchmark's databases: one seeded template per implementation, copied for each server.

Copying a seeded template is what makes "a fresh database with the same rows" cheap: SQLite
copies through its backup API, PostgreSQL through CREATE DATABASE ... TEMPLATE. Every name
carries the run's own tag after PREFIX, so two runs on one PostgreSQL server never touch (or
drop) each other's databases.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
from psycopg import sql

from taskbench import databases, postgres

PREFIX = "taskbench_bench_"


@dataclass(frozen=True)
class DatabaseServer:
    """Where the benchmark creates its databases: SQLite files or a PostgreSQL server."""

    kind: str
    admin_url: str = databases.DEFAULT_POSTGRES_URL
    # How the server was chosen (postgres.Postgres.origin): "given" on the command line, "found"
    # answering at $TASKBENCH_POSTGRES_URL or 127.0.0.1:5432, or "embedded" for the run.
    origin: str = "given"
    where: str = ""

    @staticmethod
    def wants_sqlite(url: str | None) -> bool:
        """Whether a --database-url chooses SQLite: `sqlite`, or any sqlite: URL."""
        return bool(url) and (url == "sqlite" or databases.kind(url) == "sqlite")

    # A few random hex digits of this run, in every database name it creates.
    tag: str = ""

    @classmethod
    def on(cls, server: postgres.Postgres) -> DatabaseServer:
        """The benchmark's databases on a PostgreSQL server."""
        return cls("postgresql", server.admin_url, server.origin, server.where)

    def for_run(self) -> DatabaseServer:
        """The same server, naming databases with a tag of a new run."""
        return replace(self, tag=secrets.token_hex(3))

    @property
    def prefix(self) -> str:
        """How every database of this run begins: taskbench_bench_<tag>_."""
        return PREFIX + (f"{self.tag}_" if self.tag else "")

    def name(self, *parts: str) -> str:
        """A database name under the run's prefix, safe for PostgreSQL (63 characters at most)."""
        return self.prefix + re.sub(r"[^a-z0-9_]", "_", "_".join(parts).lower())[:40]

    def fresh(self, name: str) -> str:
        """A new empty database; returns its URL."""
        return databases.fresh_database(self.kind, name, self.admin_url)

    def copy(self, template: str, name: str) -> str:
        """A new database holding exactly what the template holds; returns its URL."""
        if self.kind == "sqlite":
            target_url = databases.fresh_database("sqlite", name)
            with (
                sqlite3.connect(_sqlite_path(self.url(template))) as source,
                sqlite3.connect(_sqlite_path(target_url)) as target,
            ):
                source.backup(target)
            return target_url
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        return databases.with_database(self.admin_url, name)

    def url(self, name: str) -> str:
        """The URL of an existing benchmark database."""
        if self.kind == "sqlite":
            return databases.sqlite_url(databases.VAR_DIR / "fresh" / f"{name}.sqlite3")
        return databases.with_database(self.admin_url, name)

    def drop(self, name: str) -> None:
        """Remove a benchmark database and everything it used."""
        if self.kind == "postgresql":
            databases.drop_postgres(self.admin_url, name)
            return
        path = _sqlite_path(self.url(name))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def version(self) -> str:
        """The database engine's version, for the results."""
        if self.kind == "sqlite":
            return sqlite3.sqlite_version
        with psycopg.connect(self.admin_url, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "unknown"

    def describe(self) -> str:
        """Where the databases live, password hidden."""
        if self.kind == "sqlite":
            return f"sqlite files in {databases.VAR_DIR / 'fresh'}"
        return self.where or databases.redact(self.admin_url)


def _sqlite_path(url: str) -> str:
    return url.split(":///", 1)[1]

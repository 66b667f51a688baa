"""Database URLs: the SQLite default, and fresh PostgreSQL databases for tests and benchmarks."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

VAR_DIR = Path(os.environ.get("TASKBENCH_VAR", "var"))
DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/postgres"


class DatabaseError(RuntimeError):
    """A database URL that cannot be used, with a message fit for a terminal."""


def kind(url: str) -> str:
    """'sqlite' or 'postgresql' for a database URL."""
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgres", "postgresql"):
        return "postgresql"
    raise DatabaseError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://...")


def sqlite_url(path: Path) -> str:
    """An absolute sqlite:/// URL for a file path, creating its folder."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def default_url(impl: str) -> str:
    """The default database of an implementation: its own SQLite file under var/."""
    return sqlite_url(VAR_DIR / f"{impl}.sqlite3")


def normalize(url: str) -> str:
    """Check a database URL and make a relative SQLite path absolute."""
    if kind(url) == "sqlite":
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if not path or path == ":memory:":
            raise DatabaseError("SQLite needs a file (sqlite:///PATH) so every worker shares it")
        return sqlite_url(Path(path))
    parts = urlsplit(url)
    return urlunsplit(("postgresql", *parts[1:]))


def check_reachable(url: str) -> None:
    """Raise DatabaseError with a clear message when a PostgreSQL URL cannot be used."""
    if kind(url) != "postgresql":
        return
    try:
        with psycopg.connect(url, connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(f"cannot connect to {redact(url)}: {reason}") from exc


def redact(url: str) -> str:
    """A URL with its password hidden, for messages and results."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit((parts.scheme, netloc, *parts[2:]))
    return url


def with_database(url: str, name: str) -> str:
    """The same PostgreSQL server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def recreate_postgres(admin_url: str, name: str) -> str:
    """Drop and create an empty PostgreSQL database; return its URL."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    return with_database(admin_url, name)


def drop_postgres(admin_url: str, name: str) -> None:
    """Drop a PostgreSQL database if it exists."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def fresh_database(kind_: str, name: str, admin_url: str = DEFAULT_POSTGRES_URL) -> str:
    """A new empty database of the given kind named after `name`; returns its URL."""
    if kind_ == "sqlite":
        path = VAR_DIR / "fresh" / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return sqlite_url(path)
    if kind_ == "postgresql":
        return recreate_postgres(admin_url, name)
    raise DatabaseError(f"unknown database kind {kind_!r}")

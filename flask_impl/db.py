"""The engine, and a scoped session that lives for one request."""

import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

Session = scoped_session(sessionmaker(expire_on_commit=False))


def make_engine(url: str, timeout: int = 5) -> Engine:
    """An engine that waits at most `timeout` seconds for a connection or a lock, never longer."""
    if make_url(url).get_backend_name() != "sqlite":
        # pool_pre_ping replaces connections the server dropped, so the app recovers on its own
        # once the database is back; connect_timeout makes an outage a quick 503, not a hang.
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_timeout=timeout,
            connect_args={"connect_timeout": timeout},
        )

    Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
    # sqlite3's legacy transaction control issues BEGIN (deferred) just before the first
    # INSERT/UPDATE/DELETE and runs SELECTs outside transactions, so every write transaction
    # begins with its write. Such a transaction waits out the busy timeout for the write lock,
    # where one that read first would fail at once with "database is locked" when another
    # worker process committed in between.
    engine = create_engine(url, connect_args={"autocommit": sqlite3.LEGACY_TRANSACTION_CONTROL})

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # WAL lets readers work alongside the one writer.
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute(f"PRAGMA busy_timeout={timeout * 1000}")

    return engine


def init_app(app: Flask) -> None:
    """Bind the session to the configured database and close it after every request."""
    engine = make_engine(app.config["DATABASE_URL"], app.config["DATABASE_TIMEOUT"])
    Session.configure(bind=engine)
    app.teardown_appcontext(remove_session)


def remove_session(exception: BaseException | None = None) -> None:
    """Roll back whatever the request left open and return its connection to the pool."""
    Session.remove()

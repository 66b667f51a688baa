"""The engine, and a scoped session that lives for one request.

On PostgreSQL a request costs the round trips its session needs and no more: a read is BEGIN,
SELECT and ROLLBACK (3), a list BEGIN, COUNT, SELECT, ROLLBACK (4), a create BEGIN, INSERT ...
RETURNING, COMMIT (3), and replace, update and delete BEGIN, SELECT, the write, COMMIT (4);
/health is BEGIN, SELECT 1, ROLLBACK (3). reports/conformance.yaml lists the counts, and
tests/test_round_trips.py measures them.

No connection is pinged before use (pool_pre_ping would add a round trip to every request). A
connection the server dropped fails its request with a 503 (errors.py); SQLAlchemy sees a
disconnect error, invalidates the pool, and the next requests connect afresh.
"""

import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

Session = scoped_session(sessionmaker(expire_on_commit=False))


def make_engine(url: str, timeout: int = 5, pool_size: int | None = None) -> Engine:
    """An engine that waits at most `timeout` seconds for a connection or a lock, never longer.

    On PostgreSQL its pool holds `pool_size` connections, and no more under load; None keeps
    SQLAlchemy's default pool.
    """
    if make_url(url).get_backend_name() != "sqlite":
        # connect_timeout makes an outage a quick 503, not a hang.
        options: dict[str, Any] = {}
        if pool_size:
            options = {"pool_size": pool_size, "max_overflow": 0}
        return create_engine(
            url, pool_timeout=timeout, connect_args={"connect_timeout": timeout}, **options
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
    engine = make_engine(
        app.config["DATABASE_URL"], app.config["DATABASE_TIMEOUT"], app.config["DATABASE_POOL_SIZE"]
    )
    Session.configure(bind=engine)
    app.teardown_appcontext(remove_session)


def remove_session(exception: BaseException | None = None) -> None:
    """Roll back whatever the request left open and return its connection to the pool."""
    Session.remove()

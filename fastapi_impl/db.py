"""The async engine, and a session per request through a FastAPI dependency.

On PostgreSQL a request costs the round trips its session needs and no more: a read is BEGIN,
SELECT and ROLLBACK (3), a list BEGIN, COUNT, SELECT, ROLLBACK (4), a create BEGIN, INSERT ...
RETURNING, COMMIT (3), and replace, update and delete BEGIN, SELECT, the write, COMMIT (4);
/health is BEGIN, SELECT 1, ROLLBACK (3). reports/conformance.yaml lists the counts, and
tests/test_round_trips.py measures them.

No connection is pinged before use (pool_pre_ping would add BEGIN, a ping and ROLLBACK to every
request). A connection the server dropped fails its request with a 503 (errors.py); SQLAlchemy
sees a disconnect error, invalidates the pool, and the next requests connect afresh.
"""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from fastapi_impl.config import settings


def _engine_options() -> dict[str, Any]:
    if settings.async_database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": settings.database_timeout_seconds}}
    options: dict[str, Any] = {
        "pool_timeout": settings.database_timeout_seconds,
        "connect_args": {"timeout": settings.database_timeout_seconds},
    }
    if settings.database_pool_size:
        # One fixed pool: no overflow connections opened and closed again under load.
        options |= {"pool_size": settings.database_pool_size, "max_overflow": 0}
    return options


engine = create_async_engine(settings.async_database_url, **_engine_options())
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


if engine.dialect.name == "sqlite":

    @event.listens_for(engine.sync_engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers and one writer proceed together; the busy timeout makes a
        # second writer (another connection or worker process) wait instead of failing.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_seconds * 1000)}")
        cursor.close()


async def get_session() -> AsyncIterator[AsyncSession]:
    """Yield one database session for the duration of a request."""
    async with SessionLocal() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

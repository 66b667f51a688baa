"""The async engine, and a session per request through a FastAPI dependency."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from fastapi_impl.config import settings


def _engine_options() -> dict[str, Any]:
    if settings.async_database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": settings.database_timeout_seconds}}
    return {
        "pool_pre_ping": True,
        "connect_args": {"timeout": settings.database_timeout_seconds},
    }


engine = create_async_engine(settings.async_database_url, **_engine_options())
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


if engine.dialect.name == "sqlite":

    @event.listens_for(engine.sync_engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers and one writer proceed together; the busy timeout makes a
        # second writer (another worker process) wait instead of failing.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.database_timeout_seconds * 1000)}")
        cursor.close()


async def get_session() -> AsyncIterator[AsyncSession]:
    """Yield one database session for the duration of a request."""
    async with SessionLocal() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

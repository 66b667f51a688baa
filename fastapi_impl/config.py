"""Settings from the environment, in one pydantic-settings class."""

from pydantic_settings import BaseSettings, SettingsConfigDict

DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class Settings(BaseSettings):
    """The service's configuration; every field can be set by an environment variable."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "sqlite:///var/fastapi.sqlite3"
    max_body_bytes: int = 64 * 1024
    # Seconds to wait for a connection: to open one, or for one of the pool's to come free.
    database_timeout_seconds: float = 5.0
    # Connections the worker's pool holds (PostgreSQL); the launcher sets it by the registry's
    # rule. Unset: SQLAlchemy's default pool, 5 kept and 10 more under load.
    database_pool_size: int | None = None
    # Seconds a write waits for SQLite's one write lock. Up to 15 connections a worker contend
    # for it, and SQLite's busy handler polls rather than queues, so under a burst of writers
    # one can wait several seconds; Django's SQLite settings wait as long.
    sqlite_busy_timeout_seconds: float = 10.0

    @property
    def async_database_url(self) -> str:
        """The database URL with the async driver SQLAlchemy needs."""
        scheme, rest = self.database_url.split("://", 1)
        scheme = "postgresql" if scheme == "postgres" else scheme.split("+")[0]
        return f"{DRIVERS[scheme]}://{rest}"


settings = Settings()

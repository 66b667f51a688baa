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

    @property
    def async_database_url(self) -> str:
        """The database URL with the async driver SQLAlchemy needs."""
        scheme, rest = self.database_url.split("://", 1)
        scheme = "postgresql" if scheme == "postgres" else scheme.split("+")[0]
        return f"{DRIVERS[scheme]}://{rest}"


settings = Settings()

"""Settings from the environment, in one pydantic-settings class."""

from pydantic_settings import BaseSettings, SettingsConfigDict

DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class Settings(BaseSettings):
    """The service's configuration; every field can be set by an environment variable."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "sqlite:///var/fastapi.sqlite3"
    max_body_bytes: int = 64 * 1024
    database_timeout_seconds: float = 5.0

    @property
    def async_database_url(self) -> str:
        """The database URL with the async driver SQLAlchemy needs."""
        scheme, rest = self.database_url.split("://", 1)
        scheme = "postgresql" if scheme == "postgres" else scheme.split("+")[0]
        return f"{DRIVERS[scheme]}://{rest}"


settings = Settings()

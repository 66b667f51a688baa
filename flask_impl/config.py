"""Settings, read from the environment when the package is imported."""

import os
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = f"sqlite:///{Path('var/flask.sqlite3').resolve()}"


def sqlalchemy_url(url: str) -> str:
    """Point a postgresql:// URL at the psycopg 3 driver; leave SQLite URLs alone."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Config:
    """The application's settings; `create_app(config)` overrides any of them."""

    DATABASE_URL = sqlalchemy_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    # Seconds to wait for a database connection (PostgreSQL) or for the write lock (SQLite).
    DATABASE_TIMEOUT = 5
    # Connections each worker process's pool holds (PostgreSQL); the launcher sets it by the
    # registry's rule. None: SQLAlchemy's default pool, 5 kept and 10 more under load.
    DATABASE_POOL_SIZE = (
        int(os.environ["DATABASE_POOL_SIZE"]) if "DATABASE_POOL_SIZE" in os.environ else None
    )

    MAX_CONTENT_LENGTH = 64 * 1024
    # OPTIONS is not part of the API: a 405 like any other method a path does not serve.
    PROVIDE_AUTOMATIC_OPTIONS = False

    API_TITLE = "taskbench Task API"
    API_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
    OPENAPI_REDOC_PATH = "redoc"
    OPENAPI_REDOC_URL = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"
    API_SPEC_OPTIONS = {
        "info": {
            "summary": "One Task CRUD API, served alike by FastAPI, Flask and Django REST "
            "Framework.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
    }

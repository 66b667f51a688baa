"""The one registry of how each implementation is migrated and served in production.

The contract suite, the benchmarks and the container files all start servers from here,
so a server's command line is written down exactly once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

PY = sys.executable


@dataclass(frozen=True)
class ServeConfig:
    """Everything a server command needs to know about one run."""

    host: str
    port: int
    database_url: str
    workers: int
    threads: int
    # Database connections each worker process may hold (DB_CONNECTION_RULES); 0: not set.
    db_pool_size: int = 0


@dataclass(frozen=True)
class Variant:
    """One production server setup of an implementation."""

    name: str
    server: str
    worker_model: str
    description: str
    command: Callable[[ServeConfig], list[str]]


@dataclass(frozen=True)
class Implementation:
    """One implementation of the Task API and the ways it can be served."""

    name: str
    title: str
    package: str
    extra: str
    migrate: Callable[[ServeConfig], list[str]]
    variants: tuple[Variant, ...]
    environment: Callable[[ServeConfig], dict[str, str]] = field(default=lambda cfg: {})

    @property
    def default_variant(self) -> Variant:
        """The variant served when none is named: the first one."""
        return self.variants[0]

    def variant(self, name: str | None) -> Variant:
        """Return the named variant, or the default one for None."""
        if name is None:
            return self.default_variant
        for variant in self.variants:
            if variant.name == name:
                return variant
        known = ", ".join(v.name for v in self.variants)
        raise KeyError(f"{self.name} has no variant {name!r} (known: {known})")


# Worker counts follow one rule per worker model, applied to every framework alike.
# `cores` is the number of CPUs the server process may run on (its affinity mask),
# so a server pinned to one core by the benchmarks gets the one-core numbers.
WORKER_RULES = {
    "async": "workers = cores (an event loop per core)",
    "sync": "workers = 2 x cores + 1 (gunicorn's documented rule)",
    "gthread": "workers = cores, threads = 4 per worker",
}
GTHREAD_THREADS = 4

# Database connections follow one rule, applied to every framework alike, as worker counts do: a
# worker process may hold as many connections as it can have requests waiting on the database
# at once, which for a sync worker is one and for a threaded worker one per thread. An async
# worker has no such bound, so it gets one fixed pool of ASYNC_DB_POOL_SIZE connections:
# SQLAlchemy's default pool (5 kept + 10 overflow) held as one fixed size, so that no connection
# is opened and closed again under load. Servers read it from DATABASE_POOL_SIZE.
DB_CONNECTION_RULES = {
    "async": "15 per worker (one fixed pool: SQLAlchemy's default 5 + 10 overflow)",
    "sync": "1 per worker (one request at a time)",
    "gthread": "4 per worker (one per thread)",
}
ASYNC_DB_POOL_SIZE = 15
# The servers' own answers to requests they cannot parse are problem details (taskbench.problems):
# uvicorn through this httptools protocol, gunicorn through this settings module's hook.
UVICORN_PROTOCOL = "taskbench.uvicorn_protocol:HttpToolsProtocol"
GUNICORN_CONFIG = "python:taskbench.gunicorn_config"
GUNICORN_UVICORN_WORKER = "taskbench.gunicorn_uvicorn_worker.UvicornWorker"
# gunicorn's largest request line (its default is 4,094 bytes); the contract serves up to this,
# and taskbench.uvicorn_protocol applies the same limit.
REQUEST_LINE_LIMIT = 8190


def available_cores() -> int:
    """The number of CPUs this process may run on."""
    return len(os.sched_getaffinity(0))


def default_workers(worker_model: str, cores: int | None = None) -> int:
    """Apply the worker rule of a worker model to a core count."""
    cores = cores or available_cores()
    if worker_model == "sync":
        return 2 * cores + 1
    return cores


def db_pool_size(worker_model: str, threads: int = GTHREAD_THREADS) -> int:
    """Apply the database connection rule: the connections one worker process may hold."""
    if worker_model == "sync":
        return 1
    if worker_model == "gthread":
        return threads
    return ASYNC_DB_POOL_SIZE


@dataclass(frozen=True)
class DbConnections:
    """How many database connections a served variant may hold at once, and by which rule."""

    rule: str
    per_worker: int
    workers: int

    @property
    def limit(self) -> int:
        """The connections the whole server may hold: every worker's pool together."""
        return self.per_worker * self.workers

    def as_dict(self) -> dict[str, int | str]:
        """The limit as JSON, for results."""
        return {
            "rule": self.rule,
            "per_worker": self.per_worker,
            "workers": self.workers,
            "limit": self.limit,
        }


def db_connections(variant: Variant, workers: int) -> DbConnections:
    """The database connection limit of a variant served with `workers` worker processes."""
    return DbConnections(
        rule=DB_CONNECTION_RULES[variant.worker_model],
        per_worker=db_pool_size(variant.worker_model),
        workers=workers,
    )


def _bind(cfg: ServeConfig) -> str:
    return f"{cfg.host}:{cfg.port}"


def _uvicorn(app: str) -> Callable[[ServeConfig], list[str]]:
    def command(cfg: ServeConfig) -> list[str]:
        return [
            PY, "-m", "uvicorn", app,
            "--host", cfg.host, "--port", str(cfg.port),
            "--workers", str(cfg.workers),
            "--loop", "uvloop", "--http", UVICORN_PROTOCOL,
            "--no-access-log", "--no-server-header", "--log-level", "warning",
        ]  # fmt: skip

    return command


def _gunicorn(app: str, worker_class: str) -> Callable[[ServeConfig], list[str]]:
    def command(cfg: ServeConfig) -> list[str]:
        argv = [
            PY, "-m", "gunicorn", app,
            "--bind", _bind(cfg),
            "--workers", str(cfg.workers),
            "--worker-class", worker_class,
            "--config", GUNICORN_CONFIG,
            "--limit-request-line", str(REQUEST_LINE_LIMIT),
            "--log-level", "warning",
        ]  # fmt: skip
        if worker_class == "gthread":
            argv += ["--threads", str(cfg.threads)]
        return argv

    return command


def _alembic(package: str) -> Callable[[ServeConfig], list[str]]:
    def command(cfg: ServeConfig) -> list[str]:
        return [PY, "-m", "alembic", "-c", package_file(package, "alembic.ini"), "upgrade", "head"]

    return command


def package_file(package: str, name: str) -> str:
    """Path of a file inside an installed package, found without importing the package."""
    from importlib.util import find_spec

    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"package {package!r} is not installed")
    return os.path.join(next(iter(spec.submodule_search_locations)), name)


def _django_environment(cfg: ServeConfig) -> dict[str, str]:
    return {"DJANGO_SETTINGS_MODULE": "django_impl.config.settings"}


IMPLEMENTATIONS: dict[str, Implementation] = {
    impl.name: impl
    for impl in (
        Implementation(
            name="fastapi",
            title="FastAPI",
            package="fastapi_impl",
            extra="fastapi",
            migrate=_alembic("fastapi_impl"),
            variants=(
                Variant(
                    "uvicorn",
                    "uvicorn",
                    "async",
                    "uvicorn with uvloop and httptools, one process per worker",
                    _uvicorn("fastapi_impl.main:app"),
                ),
                Variant(
                    "gunicorn-uvicorn",
                    "gunicorn",
                    "async",
                    "gunicorn managing uvicorn workers",
                    _gunicorn("fastapi_impl.main:app", GUNICORN_UVICORN_WORKER),
                ),
            ),
        ),
        Implementation(
            name="flask",
            title="Flask",
            package="flask_impl",
            extra="flask",
            migrate=_alembic("flask_impl"),
            variants=(
                Variant(
                    "gunicorn-sync",
                    "gunicorn",
                    "sync",
                    "gunicorn sync workers, one request per process at a time",
                    _gunicorn("flask_impl:create_app()", "sync"),
                ),
                Variant(
                    "gunicorn-gthread",
                    "gunicorn",
                    "gthread",
                    "gunicorn threaded workers",
                    _gunicorn("flask_impl:create_app()", "gthread"),
                ),
            ),
        ),
        Implementation(
            name="django",
            title="Django REST Framework",
            package="django_impl",
            extra="django",
            migrate=lambda cfg: [PY, "-m", "django", "migrate", "--noinput", "--verbosity", "0"],
            environment=_django_environment,
            variants=(
                Variant(
                    "gunicorn-sync",
                    "gunicorn",
                    "sync",
                    "gunicorn sync workers on the WSGI application",
                    _gunicorn("django_impl.config.wsgi:application", "sync"),
                ),
                Variant(
                    "gunicorn-gthread",
                    "gunicorn",
                    "gthread",
                    "gunicorn threaded workers on the WSGI application",
                    _gunicorn("django_impl.config.wsgi:application", "gthread"),
                ),
                Variant(
                    "uvicorn-asgi",
                    "uvicorn",
                    "async",
                    "the ASGI application under uvicorn with uvloop and httptools",
                    _uvicorn("django_impl.config.asgi:application"),
                ),
            ),
        ),
    )
}


def get(name: str) -> Implementation:
    """Return a registered implementation by name."""
    try:
        return IMPLEMENTATIONS[name]
    except KeyError:
        known = ", ".join(IMPLEMENTATIONS)
        raise KeyError(f"no implementation {name!r} (known: {known})") from None

"""Fixtures of the contract suite: which servers to test, starting them, and HTTP clients.

Every test that uses `api` (or `server`) runs once per implementation x database, against one
server per pair that is started on a fresh database and shared by all of that pair's tests.
pytest groups the tests by that parameter, so only one such server runs at a time.

    pytest contract_tests                                   # every implementation, both databases
    pytest contract_tests --impl fastapi --database sqlite
    pytest contract_tests --base-url http://127.0.0.1:8000   # a deployment that is already up

The OpenAPI documents (openapi.yaml and each implementation's, fetched from servers of their
own) and the clients generated from them are made once a run, by one pytest-xdist process while
the others wait for them, the clients cached under var/generated-clients/
(contract_tests/clients.py). Each server variant is served once a run too (`variant_server`).

Before any test runs, the session checks that every implementation it needs can be imported
(a usage error otherwise) and, if postgresql tests are selected, finds their PostgreSQL
(taskbench/postgres.py): the server at $TASKBENCH_POSTGRES_URL or 127.0.0.1:5432 when it
answers, else an embedded one started for the session and stopped at its end. It prints which,
and never skips the postgresql tests for want of a server.
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from filelock import FileLock

from contract_tests import clients, documents, spec
from contract_tests.helpers import DEBUG_CALLER
from taskbench import databases, launcher, postgres, registry

DATABASES = ("sqlite", "postgresql")
LOG_DIR = databases.VAR_DIR / "test-logs"
DB_PREFIX = "taskbench_contract_"
# Databases carry the run's pid, so that two suites running at once never share or drop each
# other's database; each run drops its own when its server stops.
RUN_ID = os.getpid()
NO_CONTROL = "needs to start servers and control their database, which --base-url cannot"
# Building a client's default TLS context costs ~0.1 s; the suite speaks plain HTTP, so every
# client shares this one.
TLS = ssl.create_default_context()


@dataclass(frozen=True)
class Target:
    """One implementation on one database, or the deployment named by --base-url."""

    impl: str
    database: str

    @property
    def id(self) -> str:
        """The test id suffix, like `fastapi-sqlite`, or `base-url` for a deployment."""
        return f"{self.impl}-{self.database}" if self.database else self.impl


@dataclass
class Server:
    """A server under test and what the tests may know about it."""

    impl: str
    database: str
    base_url: str
    database_url: str | None = None
    database_name: str | None = None
    process: launcher.ServerProcess | None = field(default=None, repr=False)


@dataclass
class Selection:
    """What the command line selected, and what the session found out about it."""

    impls: list[str]
    databases: list[str]
    base_url: str | None
    postgres: postgres.Postgres | None = None

    @property
    def admin_url(self) -> str:
        """The URL through which the suite creates and drops its PostgreSQL databases."""
        assert self.postgres is not None, "no postgresql test was selected"
        return self.postgres.admin_url

    @property
    def targets(self) -> list[Target]:
        """Every (implementation, database) pair under test, in a stable order."""
        if self.base_url:
            return [Target("base-url", "")]
        return [Target(impl, db) for impl in self.impls for db in self.databases]


SELECTION = pytest.StashKey[Selection]()
# What the session started for itself (an embedded PostgreSQL), closed when pytest ends.
RESOURCES = pytest.StashKey[ExitStack]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("taskbench", "taskbench contract suite")
    group.addoption(
        "--impl",
        action="append",
        dest="impls",
        metavar="NAME",
        choices=list(registry.IMPLEMENTATIONS),
        help="implementation to test; repeatable (default: every registered one)",
    )
    group.addoption(
        "--database",
        action="append",
        dest="databases",
        choices=DATABASES,
        help="database to test on; repeatable (default: sqlite and postgresql)",
    )
    group.addoption(
        "--base-url",
        dest="base_url",
        metavar="URL",
        help="test this running deployment instead of starting servers",
    )


def pytest_configure(config: pytest.Config) -> None:
    impls = config.getoption("impls", None)
    dbs = config.getoption("databases", None)
    base_url = config.getoption("base_url", None)
    if base_url and (impls or dbs):
        raise pytest.UsageError("--base-url tests one running deployment: drop --impl/--database")
    config.stash[SELECTION] = Selection(
        impls=list(dict.fromkeys(impls or registry.IMPLEMENTATIONS)),
        databases=list(dict.fromkeys(dbs or DATABASES)),
        base_url=base_url.rstrip("/") if base_url else None,
    )


def pytest_report_header(config: pytest.Config) -> str:
    selection = config.stash[SELECTION]
    if selection.base_url:
        return f"taskbench: testing the deployment at {selection.base_url}"
    targets = ", ".join(t.id for t in selection.targets)
    return f"taskbench: targets {targets}; server logs in {LOG_DIR}/"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    selection = metafunc.config.stash[SELECTION]
    if "server" in metafunc.fixturenames:
        targets = selection.targets
        metafunc.parametrize(
            "server", targets, ids=[t.id for t in targets], indirect=True, scope="session"
        )
    if "postgres_target" in metafunc.fixturenames:
        if selection.base_url:
            params = [pytest.param(selection.targets[0], id="base-url")]
        elif "postgresql" not in selection.databases:
            params = [
                pytest.param(
                    None,
                    id="no-postgresql",
                    marks=pytest.mark.skip(reason="--database does not include postgresql"),
                )
            ]
        else:
            params = [
                pytest.param(Target(impl, "postgresql"), id=f"{impl}-postgresql")
                for impl in selection.impls
            ]
        metafunc.parametrize("postgres_target", params)
    if "own_target" in metafunc.fixturenames:
        # Tests that start a server of their own, per implementation x database; a module's
        # tests of one target run one after the other, so that they may share what they start.
        targets = selection.targets
        metafunc.parametrize("own_target", targets, ids=[t.id for t in targets], scope="module")
    if "document_name" in metafunc.fixturenames:
        # Documents are compared apart from any server, so their ids name no target.
        names = ["served"] if selection.base_url else selection.impls
        metafunc.parametrize("document_name", names, ids=[f"document-of-{n}" for n in names])
    if "client_pair" in metafunc.fixturenames:
        # Each document x generator, against each server: ids like
        # `flask-sqlite-django-document-openapi-generator` (server, database, document, generator).
        names = ["reference", "served"] if selection.base_url else ["reference", *selection.impls]
        pairs = [(name, generator) for name in names for generator in clients.GENERATORS]
        ids = [f"{name}-document-{generator}" for name, generator in pairs]
        metafunc.parametrize("client_pair", pairs, ids=ids)
    if "variant_target" in metafunc.fixturenames:
        if selection.base_url:
            params = [pytest.param(("base-url", None), id="base-url")]
        else:
            params = [
                pytest.param((impl, variant.name), id=f"{impl}-{variant.name}")
                for impl in selection.impls
                for variant in registry.get(impl).variants
            ]
        # Session-wide, so that each variant's server (`variant_server`) is started once.
        metafunc.parametrize("variant_target", params, scope="session")


def needs(item: pytest.Item) -> tuple[str | None, str | None]:
    """The implementation and database a collected test will start a server of, if any."""
    params = getattr(item, "callspec", None)
    params = params.params if params else {}
    for name in ("server", "postgres_target", "own_target"):
        if isinstance(params.get(name), Target):
            return params[name].impl, params[name].database
    if "variant_target" in params:
        return params["variant_target"][0], "sqlite"
    return None, None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Check, once, what the selected tests need: importable implementations, PostgreSQL."""
    selection = session.config.stash[SELECTION]
    if selection.base_url:
        return
    wanted = [needs(item) for item in session.items]
    impls = {impl for impl, _ in wanted if impl}
    problems = [problem for impl in sorted(impls) if (problem := import_problem(impl))]
    if problems:
        raise pytest.UsageError(
            "\n".join(problems) + "\nChoose the implementations to test with --impl NAME."
        )
    if any(db == "postgresql" for _, db in wanted):
        resources = session.config.stash.setdefault(RESOURCES, ExitStack())
        try:
            selection.postgres = resources.enter_context(postgres.available())
        except databases.DatabaseError as exc:
            raise pytest.UsageError(f"the postgresql tests have no PostgreSQL: {exc}") from None
        if selection.postgres.origin == "embedded":
            # Commands the tests run (taskbench bench, fuzz) use this server, not one each.
            patch = resources.enter_context(pytest.MonkeyPatch.context())
            patch.setenv(postgres.URL_VARIABLE, selection.admin_url)


# First: pytest-xdist reads the groups in its own hook of the same name.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each shared server's tests together when pytest-xdist spreads the suite over
    processes (`--dist loadgroup`), so that every server is still started once; likewise each
    variant's tests, and a module's tests of one `own_target`."""
    for item in items:
        params = getattr(item, "callspec", None)
        params = params.params if params else {}
        if isinstance(target := params.get("server"), Target):
            item.add_marker(pytest.mark.xdist_group(f"server-{target.id}"))
        elif isinstance(target := params.get("own_target"), Target):
            item.add_marker(pytest.mark.xdist_group(f"{item.path.stem}-{target.id}"))
        elif "variant_target" in params:
            impl, variant = params["variant_target"]
            item.add_marker(pytest.mark.xdist_group(f"variant-{impl}-{variant}"))


def pytest_report_collectionfinish(config: pytest.Config) -> str | None:
    """Say once, after collection, which PostgreSQL the postgresql tests use."""
    found = config.stash[SELECTION].postgres
    return f"taskbench: {found.summary()}" if found else None


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop what the session started for itself."""
    resources = config.stash.get(RESOURCES, None)
    if resources is not None:
        resources.close()


def import_problem(impl: str) -> str | None:
    """Why a server of `impl` could not import its package, or None when it can."""
    reason = launcher.import_problem(impl)
    if reason is None:
        return None
    package = registry.get(impl).package
    return (
        f"the {impl} implementation cannot be imported ({reason}, from {Path.cwd()}): "
        f"install or finish the {package} package."
    )


@contextmanager
def running_server(
    selection: Selection, impl: str, database: str, name: str, variant: str | None = None
) -> Iterator[Server]:
    """Start `impl` on a fresh database named after `name`; stop it and drop the database after.

    The server's output goes to var/test-logs/NAME-DATABASE.log.
    """
    variant = variant or registry.get(impl).default_variant.name
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}-{database}.log"
    db_name = f"{DB_PREFIX}{name}_{RUN_ID}"
    admin_url = selection.admin_url if database == "postgresql" else ""
    url = databases.fresh_database(database, db_name, admin_url)
    process = launcher.ServerProcess(
        impl, variant, url, port=launcher.free_port(), log_path=log_path
    )
    try:
        process.start()
    except launcher.LaunchError as exc:
        pytest.fail(
            f"{impl}/{variant} did not start on {database}: {exc}\n"
            f"last lines of {log_path}:\n{process.log_tail()}",
            pytrace=False,
        )
    try:
        yield Server(
            impl=impl,
            database=database,
            base_url=process.base_url,
            database_url=url,
            database_name=db_name if database == "postgresql" else None,
            process=process,
        )
    finally:
        process.stop()
        drop_database(database, db_name, url, admin_url)


def drop_database(database: str, name: str, url: str, admin_url: str) -> None:
    """Remove a database the suite made; a failure is reported, not raised."""
    try:
        if database == "postgresql":
            databases.drop_postgres(admin_url, name)
        else:
            path = url.split(":///", 1)[1]
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    except (psycopg.Error, OSError) as exc:
        print(f"taskbench: could not drop {name}: {exc}", file=sys.stderr)


def client_for(server: Server, timeout: float = 15.0, **options: Any) -> httpx.Client:
    """An HTTP client for a server; redirects are not followed."""
    return httpx.Client(
        base_url=server.base_url, timeout=timeout, follow_redirects=False, verify=TLS, **options
    )


@pytest.fixture(scope="session")
def selection(request: pytest.FixtureRequest) -> Selection:
    """What the command line selected."""
    return request.config.stash[SELECTION]


@pytest.fixture(scope="session", autouse=True)
def postgres_recorded(selection: Selection, record_testsuite_property: Callable) -> None:
    """Name the PostgreSQL used in the JUnit XML too (property `taskbench_postgresql`)."""
    if selection.postgres:
        record_testsuite_property("taskbench_postgresql", selection.postgres.summary())


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest, selection: Selection) -> Iterator[Server]:
    """The shared server of one (implementation, database) pair, or the --base-url deployment."""
    target: Target = request.param
    if selection.base_url:
        yield Server(impl=target.impl, database=target.database, base_url=selection.base_url)
        return
    with running_server(selection, target.impl, target.database, target.impl) as running:
        yield running


@pytest.fixture(scope="session")
def variant_server(
    variant_target: tuple[str, str | None], selection: Selection
) -> Iterator[Server]:
    """A server variant on a fresh SQLite file of its own, started by a caller whose environment
    asks for every debug mode (helpers.DEBUG_CALLER), which the launcher must not pass on.

    Skips with the reason under --base-url.
    """
    if selection.base_url:
        pytest.skip(NO_CONTROL)
    impl, variant = variant_target
    name = f"{impl}_{variant}".replace("-", "_")
    with ExitStack() as stack:
        with pytest.MonkeyPatch.context() as caller:  # for the start alone
            for variable, value in DEBUG_CALLER.items():
                caller.setenv(variable, value)
            server = stack.enter_context(running_server(selection, impl, "sqlite", name, variant))
        yield server


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    """An HTTP client for the server under test; redirects are not followed."""
    with client_for(server) as client:
        yield client


@pytest.fixture
def connect() -> Callable[..., httpx.Client]:
    """Make extra HTTP clients: `with connect(server, limits=...) as client`."""
    return client_for


@pytest.fixture
def launch(selection: Selection) -> Callable[..., AbstractContextManager[Server]]:
    """Start a server of its own for one test: `with launch(impl, database, name) as server`.

    `name` names its log and its fresh database (taskbench_contract_NAME_PID).

    Skips with the reason under --base-url, where the suite controls no server or database.
    """

    def start(
        impl: str, database: str, name: str, variant: str | None = None
    ) -> AbstractContextManager[Server]:
        if selection.base_url:
            pytest.skip(NO_CONTROL)
        return running_server(selection, impl, database, name, variant)

    return start


@pytest.fixture(scope="session")
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A folder the test processes of one pytest-xdist run share, or None without pytest-xdist."""
    if not hasattr(request.config, "workerinput"):
        return None
    return tmp_path_factory.getbasetemp().parent  # each process's own is one level down


@contextlib.contextmanager
def run_lock(shared: Path | None, name: str) -> Iterator[Path | None]:
    """Hold the run's lock `name` (none without pytest-xdist); give the file beside it to share.

    What one test process makes under the lock, the others wait for, then read from the file.
    """
    if shared is None:
        yield None
        return
    with FileLock(shared / f"{name}.lock"):
        yield shared / f"{name}.json"


@pytest.fixture(scope="session")
def openapi_documents(selection: Selection, shared: Path | None) -> dict[str, dict]:
    """The four OpenAPI documents: `reference` (openapi.yaml) and each implementation's.

    Each implementation's is fetched from a server of its own, started for that alone
    (contract_tests/documents.py), by one test process of the run for all of them; under
    --base-url the deployment's own is fetched instead, as `served`.
    """
    if selection.base_url:
        with httpx.Client(base_url=selection.base_url, timeout=15.0, verify=TLS) as client:
            response = client.get("/openapi.json")
        assert response.status_code == 200, f"GET /openapi.json: {response.status_code}"
        return {"reference": spec.reference(), "served": response.json()}
    with run_lock(shared, "openapi-documents") as stored:
        if stored is not None and stored.is_file():
            return json.loads(stored.read_text(encoding="utf-8"))
        try:
            found = {"reference": spec.reference(), **documents.generate(selection.impls)}
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        if stored is not None:
            stored.write_text(json.dumps(found), encoding="utf-8")
        return found


@pytest.fixture(scope="session")
def generated_clients(
    openapi_documents: dict[str, dict], shared: Path | None
) -> Callable[[str], dict[str, clients.GeneratedClient | str]]:
    """`generated_clients(generator)`: a client from each document, generated once a run.

    One test process generates them into the cache (contract_tests/clients.py) while the others
    wait, then find them there.

    openapi-generator runs on Java: without it those tests skip, saying so (fail when CI is set).
    """
    made: dict[str, dict[str, clients.GeneratedClient | str]] = {}

    def get(generator: str) -> dict[str, clients.GeneratedClient | str]:
        if generator == clients.OPENAPI_GENERATOR and not clients.java():
            reason = "openapi-generator needs Java, and there is no java on PATH"
            if os.environ.get("CI"):
                pytest.fail(f"{reason} (required in CI)", pytrace=False)
            pytest.skip(reason)
        if generator not in made:
            with run_lock(shared, f"clients-{generator}"):
                made[generator] = clients.generate(generator, openapi_documents)
        return made[generator]

    return get

"""Entry points: `nox -s compare` is the main job, `nox -s tests` runs the tests."""

from __future__ import annotations

import sys

import nox

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"

IMPLEMENTATIONS = ["fastapi", "flask", "django"]
ALL_EXTRAS = ".[fastapi,flask,django,test,lint]"


def _install(session: nox.Session, target: str = ALL_EXTRAS) -> None:
    if sys.version_info < (3, 12):  # noqa: UP036 - nox may run on any Python
        session.error("taskbench needs Python 3.12 or newer to run nox with")
    session.install("-c", "constraints.txt", "-e", target)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install("-c", "constraints.txt", "ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def tests(session: nox.Session) -> None:
    """Run ruff, then the contract suite and the tool tests on SQLite and PostgreSQL."""
    _install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
@nox.parametrize("impl", IMPLEMENTATIONS, ids=IMPLEMENTATIONS)
def contract(session: nox.Session, impl: str) -> None:
    """Run the contract suite against one implementation (`nox -s "contract(flask)"`)."""
    _install(session)
    session.run("python", "-m", "pytest", "contract_tests", "--impl", impl, *session.posargs)


@nox.session
def serve(session: nox.Session) -> None:
    """Serve all three implementations side by side until Ctrl-C."""
    _install(session)
    session.run("taskbench", "up", *session.posargs)


@nox.session
def compare(session: nox.Session) -> None:
    """The main job: prove every implementation against the contract, then serve them."""
    _install(session)
    session.run("python", "-m", "pytest", "contract_tests")
    session.run("taskbench", "up", *session.posargs)

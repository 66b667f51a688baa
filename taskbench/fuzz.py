"""`taskbench fuzz`: schemathesis against every implementation, on two OpenAPI documents.

Each implementation is served under its default production variant on a fresh database and
fuzzed twice: against its own generated /openapi.json, and against the contract's reference
contract_tests/openapi.yaml. Every check runs, the stateful phase included (use after delete,
resource availability). A fixed seed makes a run repeatable; without one, each run explores
anew and prints the seed it drew. Each pass writes schemathesis' JSON report, and a summary of
all of them goes to var/fuzz/<run id>/summary.json for the report, with the commit, the start
time and the budget; var/fuzz/latest points at the newest run unless --out was given.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from taskbench import databases, launcher, postgres, registry
from taskbench.commands import Command
from taskbench.links import point_latest
from taskbench.provenance import git_state

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_SPEC = ROOT / "contract_tests" / "openapi.yaml"
CONFIG = ROOT / "contract_tests" / "schemathesis.toml"
SPECS = ("own", "contract")
# The failure classes schemathesis' not_a_server_error check raises (ST101, ST102), as named in
# the `type` of each entry of its JSON report's `failures`.
SERVER_ERRORS = ("ServerError", "ContentTypeServerError")
# Beyond --max-time: schemathesis' own start, and the requests in flight when time is up.
GRACE_SECONDS = 120


def schemathesis_executable() -> str:
    """The schemathesis command installed beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "schemathesis"
    found = str(beside) if beside.exists() else shutil.which("schemathesis")
    if not found:
        raise launcher.LaunchError("schemathesis is not installed: pip install '.[test]'")
    return found


def command(
    base_url: str, spec: str, seed: int, max_examples: int, max_time: int, report: Path
) -> list[str]:
    """The `schemathesis run` command line of one pass."""
    target = f"{base_url}/openapi.json" if spec == "own" else str(CONTRACT_SPEC)
    argv = [
        schemathesis_executable(), "--config-file", str(CONFIG), "run", target,
        "--checks", "all",
        "--seed", str(seed),
        "--max-examples", str(max_examples),
        "--max-time", str(max_time),
        "--report-json-path", str(report),
        "--no-color",
    ]  # fmt: skip
    if spec == "contract":
        argv += ["--url", base_url]
    return argv


def fuzz_one(
    impl: str,
    database: str,
    out: Path,
    seed: int,
    max_examples: int,
    max_time: int,
    admin_url: str = "",
) -> list[dict[str, Any]]:
    """Serve one implementation on a fresh database and run both passes against it.

    On PostgreSQL, the database is made through `admin_url` and named with this process's pid.
    """
    name = f"taskbench_fuzz_{impl}_{os.getpid()}"
    url = (
        databases.sqlite_url(out / f"{impl}.sqlite3")
        if database == "sqlite"
        else databases.fresh_database("postgresql", name, admin_url)
    )
    variant = registry.get(impl).default_variant.name
    server = launcher.ServerProcess(
        impl, variant, url, launcher.free_port(), log_path=out / f"{impl}-server.log"
    )
    outcomes = []
    try:
        with server:
            for spec in SPECS:
                report = out / f"{impl}-{spec}.json"
                log = out / f"{impl}-{spec}.log"
                argv = command(server.base_url, spec, seed, max_examples, max_time, report)
                started = time.monotonic()
                with log.open("wb") as output:
                    # In the run's folder, schemathesis' cache of earlier findings stays with the
                    # run, so that the seed alone decides what a pass tries.
                    done = subprocess.run(
                        argv,
                        cwd=out,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        timeout=max_time + GRACE_SECONDS,
                    )
                outcomes.append(
                    summarize(impl, variant, spec, done.returncode, report, log, started)
                )
    finally:
        if database == "postgresql":
            databases.drop_postgres(admin_url, name)
    return outcomes


def summarize(
    impl: str, variant: str, spec: str, code: int, report: Path, log: Path, started: float
) -> dict[str, Any]:
    """One pass as the summary records it; schemathesis' own report is kept beside it."""
    # A pass that died before writing its report leaves an empty file.
    text = report.read_text() if report.is_file() else ""
    document = json.loads(text) if text.strip() else {}
    findings = [
        {key: failure.get(key) for key in ("type", "code", "title", "count", "operations")}
        for failure in document.get("failures", [])
    ]
    return {
        "impl": impl,
        "variant": variant,
        "spec": spec,
        "exit_code": code,
        "passed": code == 0,
        "seconds": round(time.monotonic() - started, 1),
        "report": report.name,
        "log": log.name,
        "schemathesis_version": document.get("schemathesis_version"),
        "stop_reason": document.get("stop_reason"),
        "test_cases": document.get("test_cases", {}),
        "phases": {name: phase.get("status") for name, phase in document.get("phases", {}).items()},
        "findings": findings,
        "findings_total": sum(f["count"] or 0 for f in findings),
        "server_errors": sum(f["count"] or 0 for f in findings if f["type"] in SERVER_ERRORS),
        "errors": len(document.get("errors", [])),
    }


def write_summary(out: Path, summary: dict[str, Any], latest_root: Path | None) -> Path:
    """Write out/summary.json; then, given out's parent as latest_root, point its latest at out."""
    path = out / "summary.json"
    path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    if latest_root is not None:
        point_latest(latest_root, out.name)
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the fuzz options to a parser."""
    parser.add_argument(
        "--impl", action="append", choices=list(registry.IMPLEMENTATIONS), help="(repeatable)"
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, help="fixed seed (default: a random one, printed)")
    parser.add_argument("--max-examples", type=int, default=100, help="per operation (100)")
    parser.add_argument("--max-time", type=int, default=300, help="seconds per pass (300)")
    parser.add_argument("--out", type=Path, help="folder (default var/fuzz/<run id>)")


def main(args: argparse.Namespace) -> int:
    """Fuzz every selected implementation; exit 1 when any pass found a problem."""
    if args.max_examples < 1 or args.max_time < 1:
        print(
            "taskbench fuzz: error: --max-examples and --max-time must be positive", file=sys.stderr
        )
        return 2
    schemathesis_executable()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    root = databases.VAR_DIR / "fuzz"
    out = (args.out or root / time.strftime("%Y%m%d-%H%M%S")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    git = git_state()
    print(f"taskbench fuzz: seed {seed}, reports in {out}/", file=sys.stderr, flush=True)
    passes = []
    with contextlib.ExitStack() as resources:
        admin_url = ""
        if args.database == "postgresql":
            server = resources.enter_context(postgres.available())
            admin_url = server.admin_url
            print(f"taskbench fuzz: {server.summary()}", file=sys.stderr, flush=True)
        for impl in args.impl or list(registry.IMPLEMENTATIONS):
            outcomes = fuzz_one(
                impl, args.database, out, seed, args.max_examples, args.max_time, admin_url
            )
            for outcome in outcomes:
                verdict = "passed" if outcome["passed"] else f"FAILED (exit {outcome['exit_code']})"
                print(
                    f"{impl:>8} {outcome['spec']:>8} spec: {verdict} in {outcome['seconds']} s"
                    f" ({out / outcome['log']})",
                    flush=True,
                )
                passes.append(outcome)
    versions = sorted({p["schemathesis_version"] for p in passes if p["schemathesis_version"]})
    summary = {
        "seed": seed,
        "database": args.database,
        "started_at": started_at,
        "git": git,
        "budget": {"max_examples": args.max_examples, "max_time": args.max_time},
        "schemathesis_version": ", ".join(versions) or None,
        "passes": passes,
    }
    # A run into a folder of its own choosing is not the newest run of var/fuzz/.
    write_summary(out, summary, None if args.out else root)
    return 0 if all(p["passed"] for p in passes) else 1


COMMAND = Command("fuzz", "schemathesis against every implementation", "fuzz", add_arguments, main)

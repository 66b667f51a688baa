"""`taskbench bench`: its options, announced to taskbench as a subcommand (pyproject.toml).

Only the standard library, taskbench and the plan are imported here, so that `taskbench --help`
works without the bench extra; the runner is imported when the command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from benchmarks import plan, routes
from benchmarks.storage import DatabaseServer
from taskbench import databases, postgres, registry
from taskbench.commands import Command

NO_PROXY = (
    "the database-latency levels need the latency proxy (benchmarks/dbproxy.py), which this "
    "checkout does not have yet"
)


def _ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.replace(",", " ").split())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,8,32: {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive numbers: {text!r}")
    return values


def _milliseconds(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.replace(",", " ").split())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds like 0,1,10: {text!r}") from None
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError(f"expected milliseconds of 0 or more: {text!r}")
    return values


def _csv(values: tuple[float, ...]) -> str:
    return ",".join(f"{v:g}" for v in values)


def _cpus(text: str) -> frozenset[int]:
    try:
        cpus = frozenset(int(part) for part in text.replace(",", " ").split())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected CPU numbers like 0 or 2,3: {text!r}") from None
    if not cpus or not cpus <= os.sched_getaffinity(0):
        raise argparse.ArgumentTypeError(f"CPUs {text!r} are not all available to this process")
    return cpus


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the bench options to a parser."""
    default = plan.Settings()
    names = list(registry.IMPLEMENTATIONS)
    what = parser.add_argument_group("what to measure")
    what.add_argument(
        "--impl", action="append", choices=names, help="implementation (repeatable; default all)"
    )
    what.add_argument(
        "--variants",
        choices=plan.VARIANT_SCOPES,
        help="default: each implementation's default variant only; peak (the default plan): "
        "the default variant fully and every other variant at its peak points; all: every "
        "variant fully",
    )
    what.add_argument("--all-variants", action="store_true", help="the same as --variants all")
    what.add_argument(
        "--scenario",
        action="append",
        choices=list(plan.SCENARIOS),
        help=f"scenario (repeatable; default {', '.join(plan.DEFAULT_SCENARIOS)})",
    )
    what.add_argument(
        "--users",
        type=_ints,
        metavar="N,N,...",
        help=f"closed-loop sweep of the swept scenarios (default {_csv(default.users)})",
    )
    what.add_argument(
        "--peak-users",
        type=int,
        help="closed-loop users of the scenarios not swept, of the other variants and of the "
        f"database-latency levels (default {default.peak_users})",
    )
    what.add_argument(
        "--sweep-cap",
        type=int,
        metavar="N",
        help="the adaptive sweep doubles the users past --users while throughput still rises, "
        f"up to N (default {default.sweep_cap}; the largest of --users turns it off)",
    )
    what.add_argument(
        "--db-latency",
        type=_milliseconds,
        metavar="MS,MS,...",
        help="milliseconds added per database round trip by a proxy between server and "
        f"database, PostgreSQL only (default {_csv(default.db_latency)} on PostgreSQL, 0 on "
        "SQLite)",
    )
    what.add_argument(
        "--sweep-all",
        action="store_true",
        help="give every scenario the sweep and the fixed load, not only "
        + ", ".join(plan.SWEPT_SCENARIOS),
    )
    what.add_argument(
        "--exhaustive",
        action="store_true",
        help="every variant x every scenario x (sweep + fixed load): hours, not minutes",
    )
    what.add_argument(
        "--offered-rps",
        type=float,
        help=f"fixed offered load, requests/s, equal for all (default {default.offered_rps:g})",
    )
    what.add_argument(
        "--fixed-users",
        type=int,
        help=f"users sharing the fixed offered load (default {default.fixed_users})",
    )
    how = parser.add_argument_group("how long")
    how.add_argument(
        "--quick", action="store_true", help="a first look: every scenario once, short windows"
    )
    how.add_argument(
        "--duration", type=int, help=f"measured seconds per window (default {default.duration})"
    )
    how.add_argument(
        "--rounds",
        "--repeats",
        dest="rounds",
        type=int,
        help=f"rounds: every server started afresh, in a rotated order (default {default.rounds})",
    )
    how.add_argument(
        "--every-round",
        action="store_true",
        help="measure the extended points (database latency, other variants) in every round, "
        "not in one",
    )
    how.add_argument(
        "--warmup",
        type=float,
        help=f"unmeasured seconds before each window (default {default.warmup:g})",
    )
    how.add_argument(
        "--seed-rows", type=int, help=f"tasks seeded before measuring (default {default.seed_rows})"
    )
    how.add_argument(
        "--dry-run", action="store_true", help="print the plan and its duration, run nothing"
    )
    where = parser.add_argument_group("where")
    where.add_argument(
        "--database-url",
        help="a PostgreSQL server URL (taskbench_bench_* databases are created and dropped "
        "there), or sqlite for SQLite files under var/fresh/ (default: PostgreSQL at "
        f"${postgres.URL_VARIABLE} or 127.0.0.1:5432 when it answers, else an embedded one "
        "started for the run)",
    )
    where.add_argument(
        "--server-cpus", type=_cpus, metavar="N,...", help="CPUs of the server (default: the first)"
    )
    where.add_argument(
        "--client-cpus",
        type=_cpus,
        metavar="N,...",
        help="CPUs of Locust, wrk and the runner (default: the second)",
    )
    where.add_argument(
        "--results", type=Path, default=Path("results"), help="results folder (default results/)"
    )
    where.add_argument("--wrk", help="path of wrk for the cross-check (default: wrk on the PATH)")
    where.add_argument("--no-wrk", action="store_true", help="skip the wrk cross-check")
    where.add_argument(
        "--wrk-duration", type=int, help=f"seconds of each wrk run (default {default.wrk_duration})"
    )
    where.add_argument(
        "--slow-hold",
        type=int,
        metavar="SECONDS",
        help="seconds slow clients hold connections after each server's first session "
        f"(default {default.slow_hold}; 0 skips the probe)",
    )
    where.add_argument(
        "--reference-seconds",
        type=float,
        help="seconds of each loop of the drift reference at the start of every round "
        f"(default {default.reference_seconds:g})",
    )
    where.add_argument("--no-live", action="store_true", help="plain lines instead of the display")


def settings_from(args: argparse.Namespace) -> plan.Settings:
    """The run's settings: a preset, then every option given explicitly."""
    settings = plan.preset("quick" if args.quick else "default")
    if args.exhaustive:
        settings = plan.preset("exhaustive", settings)
    variants = "all" if args.all_variants else args.variants
    given = {
        "impls": tuple(dict.fromkeys(args.impl)) if args.impl else None,
        "variants": variants,
        "scenarios": tuple(dict.fromkeys(args.scenario)) if args.scenario else None,
        "users": args.users,
        "peak_users": args.peak_users,
        "sweep_cap": args.sweep_cap,
        "sweep_all": args.sweep_all or None,
        "offered_rps": args.offered_rps,
        "fixed_users": args.fixed_users,
        "duration": args.duration,
        "rounds": args.rounds,
        "every_round": args.every_round or None,
        "warmup": args.warmup,
        "seed_rows": args.seed_rows,
        "wrk_duration": args.wrk_duration,
        "slow_hold": args.slow_hold,
        "reference_seconds": args.reference_seconds,
        "db_latency": tuple(sorted({0.0, *args.db_latency})) if args.db_latency else None,
    }
    settings = replace(settings, **{k: v for k, v in given.items() if v is not None})
    if settings.rounds < 1 or settings.duration < 1 or settings.warmup < 0:
        raise databases.DatabaseError("--rounds and --duration must be positive, --warmup >= 0")
    if settings.reference_seconds <= 0:
        raise databases.DatabaseError("--reference-seconds must be more than 0")
    if settings.slow_hold < 0:
        raise databases.DatabaseError("--slow-hold must be 0 (no probe) or more seconds")
    if settings.seed_rows < 20:
        raise databases.DatabaseError("--seed-rows must be at least 20 (one page of the list)")
    return settings


def main(args: argparse.Namespace) -> int:
    """Run `taskbench bench`."""
    from benchmarks import crosscheck, runner  # the bench extra: locust, rich, psutil, jsonschema
    from benchmarks.processes import interrupts_as_keyboard_interrupt

    settings = settings_from(args)
    sqlite = DatabaseServer.wants_sqlite(args.database_url)  # an unsupported URL fails here
    latency = any(settings.db_latency)
    notes = []
    if sqlite and latency:
        if args.db_latency and any(args.db_latency):
            raise databases.DatabaseError(
                "--db-latency needs PostgreSQL: an embedded database (SQLite) has no network "
                "to delay"
            )
        settings = replace(settings, db_latency=(0.0,))
    elif latency and not routes.proxy_available():
        if args.db_latency and any(args.db_latency):
            raise databases.DatabaseError(f"--db-latency: {NO_PROXY}")
        if args.dry_run:
            notes.append(f"note: {NO_PROXY}: a run now leaves those levels out")
        else:
            notes.append(f"taskbench: {NO_PROXY}; leaving them out")
            settings = replace(settings, db_latency=(0.0,))
    found = crosscheck.find_wrk(args.wrk)
    # --quick keeps its 3 minutes by leaving wrk out, unless asked for by path.
    wrk = None if args.no_wrk or (args.quick and not args.wrk) else found
    if args.wrk and not found:
        print(
            f"taskbench: wrk not found at {args.wrk!r}; skipping the cross-check", file=sys.stderr
        )
    server_default, client_default = runner.default_cpus()
    server_cpus = args.server_cpus or server_default
    client_cpus = args.client_cpus or client_default
    available = runner.availability(settings.impls)
    the_plan = plan.build(settings, available)
    for note in notes:
        print(note, file=sys.stderr)
    if args.dry_run:
        for line in plan.describe(the_plan, bool(wrk)):
            print(line)
        return 0
    if not the_plan.sessions:
        print("taskbench: nothing to benchmark: " + "; ".join(
            f"{k}: {v}" for k, v in the_plan.skipped.items()
        ), file=sys.stderr)  # fmt: skip
        return 1
    # Ctrl-C (or SIGTERM) while the database server starts stops it too; and a run started with
    # SIGINT ignored (a background job of a script) still stops cleanly when sent SIGINT.
    with interrupts_as_keyboard_interrupt(), database_server(args.database_url) as database:
        options = runner.Options(
            plan=the_plan,
            database=database,
            server_cpus=server_cpus,
            client_cpus=client_cpus,
            results_root=args.results,
            wrk=wrk,
            wrk_found=found,
            live=not args.no_live,
            argv=tuple(sys.argv),
        )
        return runner.execute(options)


@contextlib.contextmanager
def database_server(url: str | None) -> Iterator[DatabaseServer]:
    """Where the run creates its databases: SQLite by choice, else PostgreSQL (postgres.py).

    An embedded PostgreSQL started for the run is stopped when the block ends.
    """
    if DatabaseServer.wants_sqlite(url):
        yield DatabaseServer("sqlite")
        return
    with postgres.available(url) as server:
        print(f"taskbench bench: {server.summary()}", file=sys.stderr, flush=True)
        yield DatabaseServer.on(server)


COMMAND = Command(
    "bench", "load-test every implementation (benchmarks/README.md)", "bench", add_arguments, main
)

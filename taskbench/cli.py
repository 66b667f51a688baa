"""The `taskbench` command line."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable

from taskbench import commands, databases, launcher, registry


def _serve(args: argparse.Namespace) -> int:
    impl, variant, cfg = launcher.plan(
        args.impl,
        args.variant,
        host=args.host,
        port=args.port,
        database_url=args.database_url,
        workers=args.workers,
    )
    print(
        f"taskbench: serving {impl.name}/{variant.name} on http://{cfg.host}:{cfg.port} "
        f"({cfg.workers} workers, {databases.redact(cfg.database_url)})",
        file=sys.stderr,
    )
    launcher.serve_foreground(impl, variant, cfg)
    return 0  # not reached: the server replaces this process


def _up(args: argparse.Namespace) -> int:
    names = args.impl or list(registry.IMPLEMENTATIONS)
    log_dir = databases.VAR_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    servers = [
        launcher.ServerProcess(
            impl=name,
            variant=registry.get(name).default_variant.name,
            database_url=args.database_url or databases.default_url(name),
            port=args.base_port + offset,
            log_path=log_dir / f"{name}.log",
        )
        for offset, name in enumerate(names)
    ]
    with launcher.ServerGroup(servers) as group:
        for server in group.servers:
            print(
                f"{server.impl:>8}/{server.variant:<16} {server.base_url}/docs "
                f"(ready in {server.ready_after:.1f} s, log {server.log_path})"
            )
        print("Serving; press Ctrl-C to stop them all.", flush=True)
        group.wait()
    return 0


def _list(args: argparse.Namespace) -> int:
    for impl in registry.IMPLEMENTATIONS.values():
        print(f"{impl.name} ({impl.title}), extra [{impl.extra}]")
        for variant in impl.variants:
            default = " (default)" if variant is impl.default_variant else ""
            rule = registry.WORKER_RULES[variant.worker_model]
            connections = registry.DB_CONNECTION_RULES[variant.worker_model]
            print(
                f"  {variant.name}{default}: {variant.description}; {rule}; "
                f"database connections: {connections}"
            )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every taskbench subcommand."""
    parser = argparse.ArgumentParser(prog="taskbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate and serve one implementation in the foreground")
    serve.add_argument("impl", choices=list(registry.IMPLEMENTATIONS))
    serve.add_argument("--variant", help="server variant (default: the implementation's first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
        "(default: $DATABASE_URL, else var/IMPL.sqlite3)",
    )
    serve.add_argument(
        "--workers", type=int, help="worker processes (default: the worker rule for the cores)"
    )
    serve.set_defaults(func=_serve)

    up = sub.add_parser("up", help="serve several implementations side by side until Ctrl-C")
    up.add_argument("--impl", action="append", choices=list(registry.IMPLEMENTATIONS))
    up.add_argument("--base-port", type=int, default=8001)
    up.add_argument("--database-url", help="one database URL for all (default: each its own)")
    up.set_defaults(func=_up)

    lister = sub.add_parser(
        "list", help="list implementations, variants, worker and connection rules"
    )
    lister.set_defaults(func=_list)

    # bench, report, seed and fuzz: announced by their packages (taskbench.commands).
    for command in commands.discover():
        tool = sub.add_parser(command.name, help=command.help)
        command.add_arguments(tool)
        tool.set_defaults(func=_checked(command))
    return parser


def _checked(command: commands.Command) -> Callable[[argparse.Namespace], int]:
    """The command's run, refused in one line when a package of its extra is missing."""

    def run(args: argparse.Namespace) -> int:
        commands.require_extra(command)
        return command.run(args)

    return run


def main(argv: list[str] | None = None) -> int:
    """Run the command line; errors become one line on stderr and a non-zero exit."""
    # Ctrl-C stops every command, even one started with SIGINT ignored (a script's background
    # job): each cleans up what it started on KeyboardInterrupt, and exits 130.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (
        KeyError,
        databases.DatabaseError,
        launcher.LaunchError,
        commands.MissingExtraError,
    ) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) else str(exc)
        print(f"taskbench: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

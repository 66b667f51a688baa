"""Debug modes are off in every served configuration, whatever the caller's environment says.

Each registered variant is checked three ways: its command line as the registry writes it and as
its server parses it, the application imported the way the server imports it, and a request
answered by the running server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.conftest import NO_CONTROL, Selection, Server
from contract_tests.helpers import DEBUG_CALLER, assert_problem, describe
from taskbench import databases, launcher

# Server switches for development: reloading on code changes (--reload, --reload-dir...),
# debug output, tracing every line executed (gunicorn's --spew).
DEBUG_SWITCHES = ("--reload", "--debug", "--spew")
DEBUG_LOG_LEVELS = {"debug", "trace"}

# Each framework's debug switches, as expressions on the application the server loaded (`app`)
# or on Django's `settings`, with their values in production.
DEBUG_OFF: dict[str, dict[str, Any]] = {
    "fastapi": {
        "app.debug": False,  # Starlette: a traceback page for unhandled exceptions
    },
    "flask": {
        "app.debug": False,
        "app.testing": False,
        # None: exceptions propagate to the server, past the error handlers, only when debug or
        # testing is on.
        "app.config['PROPAGATE_EXCEPTIONS']": None,
    },
    "django": {
        "settings.DEBUG": False,  # technical 404 and 500 pages
        "settings.DEBUG_PROPAGATE_EXCEPTIONS": False,
    },
}

# Loads the application with the server's own loader, then prints the debug expressions' values.
APP_PROBE = """
import json, sys
server, spec, *expressions = sys.argv[1:]
if server == "gunicorn":
    from gunicorn.util import import_app as load
else:
    from uvicorn.importer import import_from_string as load
scope = {"app": load(spec)}
if "django" in sys.modules:  # loading a Django entry point sets Django up
    from django.conf import settings
    scope["settings"] = settings
print(json.dumps({expression: eval(expression, scope) for expression in expressions}))
"""

# Parses a server command line with the server's own option parser, environment included.
OPTIONS_PROBE = """
import json, sys
server, *argv = sys.argv[1:]
if server == "gunicorn":
    from gunicorn.app.wsgiapp import WSGIApplication
    sys.argv = ["gunicorn", *argv]
    cfg = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg
    options = {"reload": cfg.reload, "log_level": cfg.loglevel, "spew": cfg.spew}
else:
    from uvicorn.main import main
    params = main.make_context("uvicorn", argv).params
    options = {"reload": params["reload"], "log_level": params["log_level"], "spew": False}
print(json.dumps(options))
"""

# An unknown path, answered differently in debug mode: Django's DEBUG answers it with the
# technical 404 page (HTML) instead of the URLconf's handler404, and Flask's debug mode
# pretty-prints every JSON body over several lines. Starlette's debug mode changes only the
# answer to an unhandled exception, which no request raises; FastAPI is asked all the same.
UNKNOWN_PATH = "/no-such-path"


def served(
    variant_target: tuple[str, str | None], selection: Selection, tmp_path: Path
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment the launcher serves a variant with; skips on --base-url."""
    if selection.base_url:
        pytest.skip(NO_CONTROL)
    impl_name, variant_name = variant_target
    url = databases.sqlite_url(tmp_path / "served.sqlite3")
    impl, variant, cfg = launcher.plan(impl_name, variant_name, database_url=url)
    return variant.command(cfg), launcher.server_environment(impl, cfg)


def server_and_arguments(argv: list[str]) -> tuple[str, list[str]]:
    """The server module a command line runs (`python -m SERVER`) and the arguments it gets."""
    index = argv.index("-m")
    return argv[index + 1], argv[index + 2 :]


def debug_switches(argv: list[str]) -> list[str]:
    """The switches of a command line that reload code or turn debug output on."""
    found = []
    for index, token in enumerate(argv):
        name, _, value = token.partition("=")
        if name.startswith(DEBUG_SWITCHES):
            found.append(token)
        elif name == "--log-level":
            level = value or (argv[index + 1] if index + 1 < len(argv) else "")
            if level.lower() in DEBUG_LOG_LEVELS:
                found.append(f"--log-level {level}")
    return found


def probe(code: str, arguments: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a probe in a fresh interpreter with the served environment; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def application_debug_flags(argv: list[str], env: dict[str, str], impl: str) -> dict[str, Any]:
    """The framework's debug switches of the application a served command line loads."""
    server, arguments = server_and_arguments(argv)
    return probe(APP_PROBE, [server, arguments[0], *DEBUG_OFF[impl]], env)


def set_debug_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process a caller whose environment asks for every debug mode."""
    for name, value in DEBUG_CALLER.items():
        monkeypatch.setenv(name, value)


def test_served_command_line_has_no_reload_or_debug_switch(
    variant_target: tuple[str, str | None], selection: Selection, tmp_path: Path
) -> None:
    argv, _ = served(variant_target, selection, tmp_path)

    assert debug_switches(argv) == [], argv


def test_server_takes_no_reload_or_debug_switch_from_the_caller_environment(
    variant_target: tuple[str, str | None],
    selection: Selection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_debug_caller(monkeypatch)
    argv, env = served(variant_target, selection, tmp_path)
    server, arguments = server_and_arguments(argv)

    options = probe(OPTIONS_PROBE, [server, *arguments], env)

    assert options["reload"] is False, options
    assert options["log_level"].lower() not in DEBUG_LOG_LEVELS, options
    assert options["spew"] is False, options


def test_served_application_has_debug_off(
    variant_target: tuple[str, str | None], selection: Selection, tmp_path: Path
) -> None:
    argv, env = served(variant_target, selection, tmp_path)

    flags = application_debug_flags(argv, env, variant_target[0])

    assert flags == DEBUG_OFF[variant_target[0]]


def test_served_application_has_debug_off_when_the_caller_turns_debug_on(
    variant_target: tuple[str, str | None],
    selection: Selection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_debug_caller(monkeypatch)
    argv, env = served(variant_target, selection, tmp_path)

    flags = application_debug_flags(argv, env, variant_target[0])

    assert flags == DEBUG_OFF[variant_target[0]]


def test_served_server_answers_as_in_production_when_the_caller_turns_debug_on(
    variant_server: Server, connect: Callable[..., httpx.Client]
) -> None:
    # variant_server was started by a caller whose environment asks for every debug mode.
    with connect(variant_server) as api:
        response = api.get(UNKNOWN_PATH)

    assert_problem(response, 404)
    assert len(response.text.splitlines()) == 1, describe(response)

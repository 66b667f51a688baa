"""gunicorn settings module of every gunicorn variant (`--config python:taskbench.gunicorn_config`).

gunicorn writes the errors it answers itself (a request line over `limit_request_line`, too
many or too large header fields, a request that is not HTTP) through `gunicorn.util.write_error`,
as an HTML page, and offers no setting to change it. The hook below replaces that one function
in each worker, so those answers are problem details like every other error.

uvicorn's parser refuses a method it does not know before any framework runs; so that every
server answers alike, the sync and threaded workers answer a method outside RFC 9110 (501) and
a target that is not a path (400) themselves too, in front of the WSGI application.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from taskbench.problems import METHODS, problem_body, problem_response, title

# gunicorn setting: hand lowercase and unusually short or long method tokens on like any other
# (its default refuses them with 400), so that they are 501 here as they are under uvicorn.
permit_unconventional_http_method = True
# A request target gunicorn reads as a path: origin form, absolute form, or `*`.
PATH_TARGET = re.compile(r"/|\*$|[A-Za-z][A-Za-z0-9+.-]*://")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `write_error`, answering with problem details instead of HTML."""
    util.write_nonblock(sock, problem_response(status_int, mesg))


def served_requests_only(app: WSGIApp) -> WSGIApp:
    """A WSGI application answering 501 for a method outside RFC 9110, 400 for a non-path target."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] not in METHODS:
            status = 501
        elif not PATH_TARGET.match(environ.get("RAW_URI", "/")):
            status = 400
        else:
            return app(environ, start_response)
        body = problem_body(status)
        start_response(
            f"{status} {title(status)}",
            [
                ("Content-Type", "application/problem+json"),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]

    return application


def post_worker_init(worker: Any) -> None:
    """gunicorn server hook: write this worker's own errors as problem details."""
    util.write_error = write_problem
    # uvicorn's workers parse requests with taskbench.uvicorn_protocol instead.
    if isinstance(worker, SyncWorker | ThreadWorker):
        worker.wsgi = served_requests_only(worker.wsgi)

"""gunicorn settings module of every gunicorn variant (`--config python:taskbench.gunicorn_config`).

gunicorn writes the errors it answers itself (a request line over `limit_request_line`, too
many or too large header fields, a request that is not HTTP) through `gunicorn.util.write_error`,
as an HTML page, and offers no setting to change it. The hook below replaces that one function
in each worker, so those answers are problem details like every other error.
"""

from __future__ import annotations

import socket
from typing import Any

from gunicorn import util

from taskbench.problems import problem_response


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `write_error`, answering with problem details instead of HTML."""
    util.write_nonblock(sock, problem_response(status_int, mesg))


def post_worker_init(worker: Any) -> None:
    """gunicorn server hook: make this worker write its own errors as problem details."""
    util.write_error = write_problem

"""What FastAPI needs beyond its own defaults to serve CONTRACT.md, in one place.

- The body: a 64 KiB limit counted as it arrives (413), application/json only (415), and JSON
  parsed as the standard defines it (400 for NaN, Infinity or invalid UTF-8).
- Ids: a 404 for an id that cannot name a task, while routing and before the body is read.
- Methods: HEAD answered like GET everywhere, and every allowed method named in a 405's Allow
  header.
- The query: no parameter given twice.
- Every response says `X-Content-Type-Options: nosniff`.
"""

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from fastapi import HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastapi_impl.schemas import MAX_ID

QUERY_PARAMETERS = ("page", "per_page", "done")


async def single_query_values(request: Request) -> None:
    """Refuse a query parameter given more than once, rather than guess which value was meant."""
    errors = [
        {"type": "repeated", "loc": ("query", name), "msg": "Give this parameter once."}
        for name in QUERY_PARAMETERS
        if len(request.query_params.getlist(name)) > 1
    ]
    if errors:
        raise RequestValidationError(errors)


async def require_json(request: Request) -> None:
    """Refuse a body that is not declared as application/json."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


class StrictJSONRequest(Request):
    """A request whose JSON body must be standard JSON in valid UTF-8: no NaN or Infinity."""

    async def json(self) -> Any:
        """Parse the body, refusing what Python's json module accepts beyond the standard."""
        # Decoding first: json.loads(bytes) lets UTF-8-encoded surrogates through.
        text = (await self.body()).decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant)


class ContractRoute(APIRoute):
    """A route that answers 404 for an id that cannot name a task, and parses JSON strictly.

    Each route also records the methods it serves under its path, for the 405's Allow header:
    FastAPI's own 405 names only the first route that matched the path.
    """

    methods_by_path: ClassVar[dict[str, set[str]]] = {}

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.methods_by_path.setdefault(self.path_regex.pattern, set()).update(self.methods)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler with the id check and the strict JSON request."""
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            task_id = request.path_params.get("id")
            if task_id is not None and not 1 <= task_id <= MAX_ID:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "No task has this id.")
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return route_handler


def allowed_methods(request: Request, named: str) -> str:
    """The Allow header of a 405: every method the path serves, not only the `named` ones."""
    methods = {method.strip() for method in named.split(",") if method.strip()}
    for pattern, served in ContractRoute.methods_by_path.items():
        if re.match(pattern, request.url.path):
            methods |= served
    if "GET" in methods:
        methods.add("HEAD")  # HeadAsGet serves it
    return ", ".join(sorted(methods))


class HeadAsGet:
    """Answer HEAD as GET on every route: FastAPI's routes serve only the methods they name.

    The app sees a GET; the server, which keeps its own record of the method, sends the GET's
    status and headers without the body.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a HEAD request on as a GET."""
        if scope["type"] == "http" and scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}
        await self.app(scope, receive, send)


class BodySizeLimit:
    """Answer 413 once a request body is declared or found to be over `max_bytes`.

    The check runs when a route reads the body, so unknown paths still get their 404
    and a body that is too large is never buffered in full.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap `receive` so that reading too much raises a 413."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise HTTPException(413)
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413)
            return message

        await self.app(scope, limited_receive, send)


class NoSniff:
    """Add `X-Content-Type-Options: nosniff` to every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the header as the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send_with_header)

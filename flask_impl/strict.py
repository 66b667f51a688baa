"""What Flask and flask-smorest need beyond their own defaults to serve CONTRACT.md, in one place.

- The body: checked in the contract's order (413, 415, 400, then 422), with a chunked body held
  to the limit too, and JSON parsed as the standard defines it (no NaN or Infinity).
- Paths: an id that cannot name a task matches no route (404), and neither does a path with
  extra slashes in front.
- The query: no parameter given twice.
- Errors: flask-smorest's Api answers them as problem details and adds no X-Pagination header.
- Responses: every one says `X-Content-Type-Options: nosniff`, and a 204 has no Content-Type.
"""

import json
from typing import Any

import flask_smorest
from flask import Request, Response, abort, request
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from flask_impl.errors import handle_http_exception
from flask_impl.schemas import MAX_ID, ProblemSchema


class TaskIdConverter(IntegerConverter):
    """A task id in a URL, 1 to 2**63 - 1; anything else matches no route, so it is a 404."""

    regex = r"[0-9]+"  # werkzeug's \d+ also takes other scripts' digits, e.g. U+0661

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def exact_path() -> None:
    """A before_request hook: werkzeug strips the slashes in front of a path before matching."""
    if request.environ.get("PATH_INFO", "").startswith("//"):
        abort(404)


def reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which Python's json module accepts and JSON does not."""
    raise ValueError(f"{name} is not a JSON value")


class JSONBodyParser(FlaskParser):
    """webargs' Flask parser held to the contract's order of checks: 413, 415, 400, then 422."""

    def load_json(self, req: Request, schema: Schema) -> Any:
        """Parse a JSON body; webargs would treat a non-JSON or empty body as an empty object."""
        body = req.get_data(cache=True)  # werkzeug's 413 when Content-Length is over the limit
        # A chunked body has no Content-Length, and werkzeug silently stops reading it at the
        # limit: a body that fills the limit is too large if the stream holds one byte more.
        if len(body) == req.max_content_length and req.environ["wsgi.input"].read(1):
            abort(413)
        if req.mimetype != "application/json":
            abort(415, "The request body must be sent as application/json.")
        # gunicorn hands over what arrived before a client stopped sending mid-body.
        if req.content_length is not None and len(body) < req.content_length:
            abort(400, f"The request body ended before its {req.content_length} bytes.")
        try:
            return json.loads(body.decode(), parse_constant=reject_constant)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError alike
            abort(400, f"The request body is not valid JSON: {error}.")
        except RecursionError:
            abort(400, "The request body nests too deeply to parse.")

    def load_querystring(self, req: Request, schema: Schema) -> Any:
        """The query string; a parameter given twice is refused rather than guessed at."""
        repeated = [name for name in schema.fields if len(req.args.getlist(name)) > 1]
        if repeated:
            raise ValidationError({name: ["Give this parameter once."] for name in repeated})
        return super().load_querystring(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint that parses request bodies with JSONBodyParser."""

    ARGUMENTS_PARSER = JSONBodyParser()


class Api(flask_smorest.Api):
    """flask-smorest's Api, answering every error as problem details."""

    ERROR_SCHEMA = ProblemSchema
    # Operations list their own problem responses instead of smorest's generic "default".
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_pagination_header(self) -> None:
        """Leave out smorest's X-Pagination header: the contract pages in the body."""

    def handle_http_exception(self, error: HTTPException) -> Response:
        """Answer any HTTP error, unhandled exceptions (500) included, as problem details."""
        return handle_http_exception(error)


def nosniff(response: Response) -> Response:
    """Tell browsers not to guess a response's type from its content."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def no_content_type_without_content(response: Response) -> Response:
    """Drop the Content-Type Flask gives every response from a 204, which has no content."""
    if response.status_code == 204:
        del response.headers["Content-Type"]
    return response

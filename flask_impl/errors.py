"""Every failure, the framework's own included, as RFC 9457 problem details."""

from http import HTTPStatus
from typing import Any

from apispec import APISpec
from flask import Flask, Response, current_app
from marshmallow.exceptions import SCHEMA
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from flask_impl.schemas import ProblemSchema, ValidationProblemSchema

PROBLEM_JSON = "application/problem+json"
# RFC 9110's reason phrases; Python 3.12's HTTPStatus still has the older 413 and 422 ones.
TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# webargs names the part of the request it parsed; the contract names the body "body".
LOCATIONS = {"json": ("body", "field"), "query": ("query", "parameter")}

# Reusable OpenAPI responses: name -> (status, description, example detail).
PROBLEM_RESPONSES = {
    "BadRequest": (
        400,
        "The body is not well-formed JSON (invalid UTF-8 and an empty body included).",
        "The request body is not valid JSON: Expecting ',' delimiter: line 1 column 17 (char 16).",
    ),
    "NotFound": (404, "No task has this id.", "Task 7 does not exist."),
    "ContentTooLarge": (
        413,
        "The body is over 64 KiB (65,536 bytes).",
        "The data value transmitted exceeds the capacity limit.",
    ),
    "UnsupportedMediaType": (
        415,
        "The Content-Type is missing or is not application/json.",
        "The request body must be sent as application/json.",
    ),
    "URITooLong": (
        414,
        "The request line is over 8,190 bytes; the HTTP server refuses it.",
        "The request line is longer than the server reads.",
    ),
    "InvalidBody": (
        422,
        "The body is JSON but breaks the rules; every offending field is named.",
        "The body has 1 invalid field.",
    ),
    "InvalidQuery": (
        422,
        "A query parameter has an invalid value; every offending one is named.",
        "The query has 1 invalid parameter.",
    ),
    "ServiceUnavailable": (
        503,
        "The database cannot be reached; retry later.",
        "The database is unreachable; try again later.",
    ),
}
EXAMPLE_ERRORS = {
    "InvalidBody": [{"field": "priority", "message": "Unknown field."}],
    "InvalidQuery": [{"field": "per_page", "message": "Must be less than or equal to 100."}],
}


def problem(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem details response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status) or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = current_app.json.response(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    if headers:
        response.headers.update(headers)
    return response


def validation_problem(messages: dict[str, dict[str, list[str]]]) -> Response:
    """A 422 naming every field webargs found wrong, `body` for the body as a whole."""
    location, fields = next(iter(messages.items()))  # webargs parses one location at a time
    where, noun = LOCATIONS.get(location, (location, "field"))
    errors = [
        {"field": "body" if name == SCHEMA else name, "message": message}
        for name, field_messages in fields.items()
        for message in field_messages
    ]
    count = len({error["field"] for error in errors})
    plural = "" if count == 1 else "s"
    return problem(422, f"The {where} has {count} invalid {noun}{plural}.", errors=errors)


def handle_database_unavailable(error: Exception) -> Response:
    """A database that cannot be reached is a 503; the pool reconnects once it is back."""
    current_app.logger.warning("database unavailable: %s", error)
    return problem(503, "The database is unreachable; try again later.")


def handle_http_exception(error: HTTPException) -> Response:
    """Answer any HTTP error, unhandled exceptions (500) included, as problem details."""
    data = getattr(error, "data", None) or {}
    if "messages" in data:
        return validation_problem(data["messages"])
    headers = None
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers = {"Allow": ", ".join(sorted(error.valid_methods))}
    status = error.code or 500
    return problem(status, error.description or HTTPStatus(status).description, headers=headers)


def register_error_handlers(app: Flask) -> None:
    """Answer a database that cannot be reached with 503 (the rest goes through the Api)."""
    for error in (OperationalError, InterfaceError, PoolTimeoutError):
        app.register_error_handler(error, handle_database_unavailable)


def document_problem_responses(spec: APISpec) -> None:
    """Register the reusable problem responses that operations name, each with an example."""
    for name, (status, description, detail) in PROBLEM_RESPONSES.items():
        example: dict[str, Any] = {
            "type": "about:blank",
            "title": TITLES[status],
            "status": status,
            "detail": detail,
        }
        if name in EXAMPLE_ERRORS:
            example["errors"] = EXAMPLE_ERRORS[name]
        schema = ValidationProblemSchema if status == 422 else ProblemSchema
        content = {PROBLEM_JSON: {"schema": schema, "example": example}}
        spec.components.response(name, {"description": description, "content": content})

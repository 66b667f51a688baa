"""Every failure as RFC 9457 problem details (application/problem+json)."""

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException

from fastapi_impl.strict import allowed_methods

TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
DETAILS = {
    404: "The requested resource does not exist.",
    405: "The method is not allowed for this resource.",
    413: "The request body is larger than 64 KiB.",
    415: "The request body must be sent as application/json.",
}


def problem(
    status: int,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a problem details response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status, headers=headers, media_type="application/problem+json")


def _field_name(loc: tuple[int | str, ...]) -> str:
    # ("body", "title") -> "title"; ("query", "page") -> "page"; ("body",) -> "body"
    names = [part for part in loc[1:] if isinstance(part, str)]
    return names[0] if names else "body"


async def handle_http_exception(request: Request, exc: HTTPException) -> JSONResponse:
    """Routing and protocol errors (404, 405, 413, 415, 400) as problem details."""
    default = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if exc.detail != default else None
    headers = exc.headers
    if exc.status_code == 405:
        named = (headers or {}).get("Allow", "")
        headers = {**(headers or {}), "Allow": allowed_methods(request, named)}
    return problem(
        exc.status_code,
        detail or DETAILS.get(exc.status_code, "The request could not be processed."),
        headers=headers,
    )


async def handle_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Map pydantic's errors to the contract: unreadable JSON 400, the rest 422."""
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        return problem(400, "The request body is not valid JSON.")
    if any(error["type"] == "missing" and error["loc"] == ("body",) for error in errors):
        return problem(400, "The request body is empty; a JSON object is required.")
    fields = [{"field": _field_name(e["loc"]), "message": e["msg"]} for e in errors]
    count = len({f["field"] for f in fields})
    return problem(
        422,
        f"The request has {count} invalid field{'s' if count > 1 else ''}.",
        errors=fields,
    )


async def handle_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database cannot be reached: 503, and the next request tries again."""
    return problem(503, "The database is unavailable; try again shortly.")


async def handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Anything else: a 500 without internals."""
    return problem(500, "The server failed to process the request.")


def _is_connection_error(exc: DBAPIError) -> bool:
    # A failed connect carries no statement; a dropped connection is invalidated.
    return (
        exc.statement is None
        or exc.connection_invalidated
        or isinstance(exc, OperationalError | InterfaceError)
    )


async def handle_dbapi_error(request: Request, exc: DBAPIError) -> JSONResponse:
    """Driver errors: 503 when the connection is the problem, 500 otherwise."""
    if _is_connection_error(exc):
        return await handle_database_unavailable(request, exc)
    return await handle_unexpected(request, exc)


def register_error_handlers(app: FastAPI) -> None:
    """Install every handler on the application."""
    app.add_exception_handler(HTTPException, handle_http_exception)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(DBAPIError, handle_dbapi_error)
    app.add_exception_handler(PoolTimeoutError, handle_database_unavailable)
    app.add_exception_handler(OSError, handle_database_unavailable)
    app.add_exception_handler(Exception, handle_unexpected)


def document_problem_details(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare error bodies as application/problem+json, and drop FastAPI's default 422.

    FastAPI files every response model under application/json and adds its own 422 shape
    to each operation with parameters; this API answers neither way.
    """
    for path in schema["paths"].values():
        for operation in path.values():
            responses = operation["responses"]
            for code, response in list(responses.items()):
                content = response.get("content", {})
                ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                if name == "HTTPValidationError":
                    del responses[code]
                elif name in ("Problem", "ValidationProblem"):
                    response["content"] = {"application/problem+json": content["application/json"]}
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)
    return schema

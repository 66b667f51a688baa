"""Every error as RFC 9457 problem details, from DRF's views and from Django around them."""

import logging
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

# RFC 9110 reason phrases; Python 3.12's HTTPStatus still has the RFC 7231 ones for 413/422.
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


class ContentTooLarge(APIException):
    """The request body is over DATA_UPLOAD_MAX_MEMORY_SIZE (Django would answer 400)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The request body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
    default_code = "content_too_large"


class ServiceUnavailable(APIException):
    """The database cannot be reached."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; try again later."
    default_code = "service_unavailable"


def problem(status_code: int, detail: str, **extra: Any) -> dict[str, Any]:
    """The problem details body for a status."""
    title = TITLES.get(status_code) or HTTPStatus(status_code).phrase
    return {"type": "about:blank", "title": title, "status": status_code, "detail": detail} | extra


def field_errors(detail: Any, field: str = "body") -> list[dict[str, str]]:
    """Flatten DRF's error detail into the contract's `[{"field", "message"}]` list."""
    if isinstance(detail, dict):
        return [error for name, value in detail.items() for error in field_errors(value, name)]
    if isinstance(detail, list):
        return [error for item in detail for error in field_errors(item, field)]
    return [{"field": field, "message": str(detail)}]


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering with problem details and the contract's statuses."""
    if isinstance(exc, RequestDataTooBig):
        exc = ContentTooLarge()
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", exc)
        exc = ServiceUnavailable()
    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected: re-raised, logged, and answered by server_error below
    # Rendered as JSON even by a view whose own renderer writes HTML (the documentation pages).
    context["request"].accepted_renderer = JSONRenderer()
    context["request"].accepted_media_type = PROBLEM_CONTENT_TYPE
    if isinstance(exc, ValidationError):
        # DRF answers validation errors with 400; the contract says 422.
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        errors = field_errors(exc.detail)
        names = ", ".join(dict.fromkeys(error["field"] for error in errors))
        response.data = problem(422, f"Invalid value for: {names}.", errors=errors)
    else:
        response.data = problem(response.status_code, str(response.data["detail"]))
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(status_code: int, detail: str) -> JsonResponse:
    """A problem details response outside DRF."""
    return JsonResponse(
        problem(status_code, detail),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"separators": (",", ":")},  # compact, like DRF's renderer
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's handler400 (SuspiciousOperation, BadRequest, a disallowed Host)."""
    if isinstance(exception, RequestDataTooBig):
        return problem_response(413, ContentTooLarge.default_detail)
    return problem_response(400, "The request cannot be processed.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's handler403."""
    return problem_response(403, "Access to this resource is denied.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's handler404: no route matches (including ids that cannot name a task)."""
    return problem_response(404, f"Nothing exists at {request.path}.")


def server_error(request: HttpRequest) -> JsonResponse:
    """Django's handler500: anything unexpected, already logged with its traceback."""
    return problem_response(500, "The server hit an unexpected error.")

"""The task API and the health check."""

import time
from typing import Any

from django.db import DatabaseError, connection
from django.http import Http404
from django.urls import reverse
from django.utils.http import parse_header_parameters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound, ParseError, UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from django_impl.tasks.exceptions import PROBLEM_CONTENT_TYPE, problem
from django_impl.tasks.models import Task
from django_impl.tasks.pagination import TaskPagination
from django_impl.tasks.serializers import (
    HealthSerializer,
    ProblemSerializer,
    TaskCreateSerializer,
    TaskListQuerySerializer,
    TaskSerializer,
    ValidationProblemSerializer,
)

STARTED_AT = time.monotonic()

# The actions that take a JSON body.
BODY_ACTIONS = {"create", "update", "partial_update"}


# OpenAPI documentation: realistic examples and every error response as problem details.

TASK = {
    "id": 42,
    "title": "Buy oat milk",
    "done": False,
    "created_at": "2026-11-22T09:30:00.123456Z",
}


def example(name: str, value: Any, **kwargs: Any) -> OpenApiExample:
    """A named example body."""
    return OpenApiExample(name, value=value, **kwargs)


def problem_response(code: int, description: str, detail: str, **extra: Any) -> dict:
    """One documented error response, `application/problem+json` with an example."""
    serializer = ValidationProblemSerializer if code == 422 else ProblemSerializer
    body = problem(code, detail, **extra)
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            serializer,
            description=description,
            examples=[example(description, body, status_codes=[code], response_only=True)],
        )
    }


BAD_REQUEST = problem_response(
    400,
    "The body is not well-formed JSON (invalid UTF-8 and an empty body included).",
    "JSON parse error - Expecting ',' delimiter: line 1 column 17 (char 16)",
)
NOT_FOUND = problem_response(404, "No task has this id.", "Task 7 does not exist.")
TOO_LARGE = problem_response(
    413, "The body is over 64 KiB.", "The request body is over 65536 bytes."
)
NOT_JSON = problem_response(
    415,
    "The Content-Type is missing or is not application/json.",
    "Content-Type must be application/json, not application/x-www-form-urlencoded.",
)
INVALID_BODY = problem_response(
    422,
    "The body breaks the rules; every offending field is named.",
    "Invalid value for: title, priority.",
    errors=[
        {"field": "title", "message": "Ensure this field has no more than 200 characters."},
        {"field": "priority", "message": "Unknown field."},
    ],
)
URI_TOO_LONG = problem_response(
    414,
    "The request line is over 8,190 bytes; the HTTP server refuses it.",
    "The request line is longer than the server reads.",
)
INVALID_QUERY = problem_response(
    422,
    "A query parameter is invalid; every offending one is named.",
    "Invalid value for: per_page.",
    errors=[{"field": "per_page", "message": "Ensure this value is less than or equal to 100."}],
)
UNAVAILABLE = problem_response(
    503, "The database cannot be reached.", "The database is unavailable; try again later."
)
BODY_ERRORS = BAD_REQUEST | TOO_LARGE | NOT_JSON | INVALID_BODY


@extend_schema_view(
    list=extend_schema(
        summary="List tasks, oldest first, one page at a time",
        description="A page past the end is empty, not a 404.",
        parameters=[TaskListQuerySerializer],
        responses={200: TaskSerializer(many=True)} | URI_TOO_LONG | INVALID_QUERY | UNAVAILABLE,
        # drf-spectacular wraps a list example in the page envelope.
        examples=[example("A page", TASK, response_only=True, status_codes=[200])],
    ),
    create=extend_schema(
        summary="Create a task",
        description="`done` defaults to false. `Location` is the new task's path.",
        request=TaskCreateSerializer,
        responses={201: TaskSerializer} | BODY_ERRORS | UNAVAILABLE,
        examples=[
            example("Minimal", {"title": "Buy oat milk"}, request_only=True),
            example("Already done", {"title": "Water the plants", "done": True}, request_only=True),
            example("Created", TASK, response_only=True, status_codes=[201]),
        ],
    ),
    retrieve=extend_schema(
        summary="Read one task",
        description="Any id that names no task is a 404.",
        responses={200: TaskSerializer} | NOT_FOUND | UNAVAILABLE,
        examples=[example("A task", TASK, response_only=True, status_codes=[200])],
    ),
    update=extend_schema(
        summary="Replace a task's title and done flag",
        description="Both fields are required. An invalid body is reported before a missing task.",
        responses={200: TaskSerializer} | BODY_ERRORS | NOT_FOUND | UNAVAILABLE,
        examples=[
            example(
                "Replace", {"title": "Buy oat milk and bread", "done": True}, request_only=True
            ),
            example(
                "Replaced",
                TASK | {"title": "Buy oat milk and bread", "done": True},
                response_only=True,
                status_codes=[200],
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="Change some of a task's fields",
        description="Fields not sent keep their values; `{}` changes nothing.",
        responses={200: TaskSerializer} | BODY_ERRORS | NOT_FOUND | UNAVAILABLE,
        examples=[
            example("Mark done", {"done": True}, request_only=True),
            example("Rename", {"title": "Buy soy milk"}, request_only=True),
            example("Changed", TASK | {"done": True}, response_only=True, status_codes=[200]),
        ],
    ),
    destroy=extend_schema(
        summary="Delete a task",
        description="Its id is never used again.",
        responses={204: None} | NOT_FOUND | UNAVAILABLE,
    ),
)
class TaskViewSet(viewsets.ModelViewSet):
    """Create, read, list, replace, update and delete tasks."""

    queryset = Task.objects.order_by("id")
    serializer_class = TaskSerializer
    pagination_class = TaskPagination
    lookup_value_converter = "task_id"
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]

    def get_serializer_class(self) -> type[BaseSerializer]:
        """POST may leave `done` out; everything else uses the full task."""
        return TaskCreateSerializer if self.action == "create" else TaskSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Check the body first: 413, then 415, then 400 (DRF looks lazily, in another order)."""
        super().initial(request, *args, **kwargs)
        if self.action in BODY_ACTIONS:
            body = request.body  # over DATA_UPLOAD_MAX_MEMORY_SIZE: RequestDataTooBig, a 413
            # A WSGI server hands over what arrived before the client stopped sending.
            announced = request.META.get("CONTENT_LENGTH", "")
            if announced.isdigit() and len(body) < int(announced):
                raise ParseError(f"The request body ended before its {announced} bytes.")
            # DRF treats a body without a Content-Type as empty instead of refusing it.
            media_type, _ = parse_header_parameters(request.content_type or "")
            if media_type != "application/json":
                raise UnsupportedMediaType(
                    media_type,
                    detail=f"Content-Type must be application/json, not {media_type or 'absent'}.",
                )
            # DRF treats an empty body as `{}` instead of as malformed JSON.
            if not body:
                raise ParseError("The request body is empty; send a JSON object.")
            # DRF also skips a body sent without Content-Length (chunked, under ASGI).
            request.META["CONTENT_LENGTH"] = str(len(body))
            try:
                request.data  # noqa: B018 -- parse now, so malformed JSON is a 400 here
            except RecursionError:
                raise ParseError("The request body nests too deeply to parse.") from None

    def not_found(self) -> NotFound:
        """The 404 for the task the URL names."""
        return NotFound(f"Task {self.kwargs['pk']} does not exist.")

    def get_object(self) -> Task:
        """The task named by the URL, or a 404 that says which one."""
        try:
            return super().get_object()
        except Http404:
            raise self.not_found() from None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """List tasks in id order, a page at a time, optionally filtered by `done`."""
        # One serializer checks every parameter, so a 422 names all the bad ones at once.
        query = TaskListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        queryset = self.get_queryset()
        if "done" in params:
            queryset = queryset.filter(done=params["done"])
        page = self.paginator.paginate(queryset, params["page"], params["per_page"])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace (PUT) or change (PATCH) a task, validating the body before the lookup."""
        # DRF's update() looks the task up first; the contract answers 422 before 404.
        serializer = self.get_serializer(data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        serializer.instance = self.get_object()
        self.perform_update(serializer)
        return Response(serializer.data)

    def perform_update(self, serializer: BaseSerializer) -> None:
        """Save the change; a task deleted since it was read is a 404."""
        try:
            serializer.save()
        except Task.NotUpdated:
            raise self.not_found() from None

    def get_success_headers(self, data: Any) -> dict[str, str]:
        """`Location` of a created task: its path."""
        return {"Location": reverse("task-detail", kwargs={"pk": data["id"]})}


class HealthView(APIView):
    """Liveness, and whether the database answers."""

    http_method_names = ["get", "head"]

    @extend_schema(
        summary="Report whether the server and its database are up",
        tags=["health"],
        responses={
            200: OpenApiResponse(HealthSerializer, "The server and its database are up."),
            503: OpenApiResponse(HealthSerializer, "The database cannot be reached."),
        },
        examples=[
            example(
                "Up",
                {"status": "ok", "uptime_seconds": 3712.48, "database": "ok"},
                status_codes=[200],
            ),
            example(
                "Database down",
                {"status": "unavailable", "uptime_seconds": 3790.02, "database": "unreachable"},
                status_codes=[503],
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        """Report uptime and database reachability: 200 when healthy, 503 when not."""
        uptime = round(time.monotonic() - STARTED_AT, 3)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return Response(
                {"status": "unavailable", "uptime_seconds": uptime, "database": "unreachable"},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"status": "ok", "uptime_seconds": uptime, "database": "ok"})

"""The OpenAPI document: realistic examples, and every error response as problem details.

drf-spectacular generates the document from the views and serializers; what it cannot infer is
declared here and attached with `@task_schema` and `@health_schema`. Operation ids are those of
openapi.yaml (drf-spectacular's own would be tasks_list, tasks_create, ...), so that a client
generated from any of the documents has the same method names.
"""

from typing import Any

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from django_impl.tasks.exceptions import PROBLEM_CONTENT_TYPE, problem
from django_impl.tasks.serializers import (
    HealthSerializer,
    ProblemSerializer,
    TaskCreateSerializer,
    TaskListQuerySerializer,
    TaskSerializer,
    ValidationProblemSerializer,
)

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


task_schema = extend_schema_view(
    list=extend_schema(
        operation_id="read_tasks",
        summary="List tasks, oldest first, one page at a time",
        description="A page past the end is empty, not a 404.",
        parameters=[TaskListQuerySerializer],
        responses={200: TaskSerializer(many=True)} | URI_TOO_LONG | INVALID_QUERY | UNAVAILABLE,
        # drf-spectacular wraps a list example in the page envelope.
        examples=[example("A page", TASK, response_only=True, status_codes=[200])],
    ),
    create=extend_schema(
        operation_id="create_task",
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
        operation_id="read_task",
        summary="Read one task",
        description="Any id that names no task is a 404.",
        responses={200: TaskSerializer} | NOT_FOUND | UNAVAILABLE,
        examples=[example("A task", TASK, response_only=True, status_codes=[200])],
    ),
    update=extend_schema(
        operation_id="replace_task",
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
        operation_id="update_task",
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
        operation_id="delete_task",
        summary="Delete a task",
        description="Its id is never used again.",
        responses={204: None} | NOT_FOUND | UNAVAILABLE,
    ),
)

health_schema = extend_schema(
    operation_id="read_health",
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


def document_strict_request_bodies(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """A drf-spectacular hook: request bodies are required and refuse unknown fields, and each
    title schema says what is checked of it."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        title = schema.get("properties", {}).get("title", {})
        if name.endswith("Request"):
            schema["additionalProperties"] = False
            # The model's max_length bounds the stripped title, which the pattern describes.
            title.pop("maxLength", None)
        else:
            # The pattern is the rule for a title as sent; an answer's title is already stripped.
            title.pop("pattern", None)
    return result

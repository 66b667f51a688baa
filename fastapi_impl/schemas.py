"""Pydantic models: what the API accepts, what it returns, and how its errors look."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    WithJsonSchema,
)

MAX_ID = 2**63 - 1
CONTROL_CHARACTERS = frozenset(map(chr, [*range(0x20), 0x7F]))
# The title rules as a JSON Schema pattern over the title as sent: whitespace as str.isspace()
# defines it around 1 to 200 code points with no control character. Since the whitespace
# around a title does not count, the sent string has no maximum length of its own.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CONTROL = r"\x00-\x1f\x7f"
TITLE_PATTERN = (
    rf"^[{_SPACE}]*[^{_SPACE}{_CONTROL}]"
    rf"(?:[^{_CONTROL}]{{0,198}}[^{_SPACE}{_CONTROL}])?[{_SPACE}]*$"
)
EXAMPLE_TASK = {
    "id": 42,
    "title": "Write the quarterly report",
    "done": False,
    "created_at": "2026-11-22T09:30:00.123456Z",
}


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _reject_control_characters(value: str) -> str:
    if not CONTROL_CHARACTERS.isdisjoint(value):
        raise ValueError("must not contain control characters (U+0000-U+001F, U+007F)")
    return value


def _digits_only(value: object) -> object:
    # pydantic's lax mode reads "1.0", "+1" and " 1" as 1; the contract wants digits only.
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()):
            raise ValueError("must be a whole number written in digits")
        return int(value)
    return value


def _true_or_false(value: object) -> object:
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


def _title_schema(schema: dict[str, Any]) -> None:
    # pydantic documents max_length on the title as sent; the pattern says what is checked.
    del schema["maxLength"]
    schema["pattern"] = TITLE_PATTERN


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored value is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Title = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        examples=["Write the quarterly report"],
        json_schema_extra=_title_schema,
    ),
    BeforeValidator(_strip),
    AfterValidator(_reject_control_characters),
]
# Query parameters, as the contract spells them.
DigitsOnly = BeforeValidator(_digits_only)
TrueOrFalse = BeforeValidator(_true_or_false)
UtcDatetime = Annotated[
    datetime,
    AfterValidator(_as_utc),
    PlainSerializer(lambda v: v.isoformat().replace("+00:00", "Z"), return_type=str),
    # The serializer returns a str; the document still says what kind.
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class TaskCreate(BaseModel):
    """The body of POST: a title, and optionally whether the task is done."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"title": "Write the quarterly report", "done": False}]},
    )

    title: Title
    done: StrictBool = False


class TaskReplace(BaseModel):
    """The body of PUT: every writable field."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"title": "Write the quarterly report", "done": True}]},
    )

    title: Title
    done: StrictBool


class TaskUpdate(BaseModel):
    """The body of PATCH: any subset of the writable fields; null is not a value."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"done": True}]}
    )

    # An omitted field keeps its value (exclude_unset); the defaults are never stored.
    title: Title = Field(default=None)
    done: StrictBool = Field(default=None)


class TaskRead(BaseModel):
    """A task as the API returns it."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [EXAMPLE_TASK]})

    id: int = Field(ge=1, le=MAX_ID, json_schema_extra={"format": "int64"})
    title: str = Field(min_length=1, max_length=200)
    done: bool
    created_at: UtcDatetime


class TaskPage(BaseModel):
    """One page of tasks, oldest first, with the counts to find the others."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [EXAMPLE_TASK], "page": 1, "per_page": 10, "total": 1, "pages": 1}
            ]
        }
    )

    items: list[TaskRead]
    page: int = Field(ge=1)
    per_page: int = Field(ge=1, le=100)
    total: int = Field(ge=0)
    pages: int = Field(ge=0)


class Health(BaseModel):
    """Whether the service and its database are up."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ok", "uptime_seconds": 12.5, "database": "ok"}]}
    )

    status: Literal["ok", "unavailable"]
    uptime_seconds: float
    database: Literal["ok", "unreachable"]


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "Task 42 does not exist.",
                }
            ]
        }
    )

    type: Literal["about:blank"]
    title: str
    status: int
    detail: str


class FieldError(BaseModel):
    """One offending body field or query parameter."""

    field: str
    message: str


class ValidationProblem(Problem):
    """Problem details for a 422, naming every offending field."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Unprocessable Content",
                    "status": 422,
                    "detail": "The request has 1 invalid field.",
                    "errors": [
                        {"field": "title", "message": "String should have at least 1 character"}
                    ],
                }
            ]
        }
    )

    errors: list[FieldError]

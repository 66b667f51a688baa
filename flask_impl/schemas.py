"""marshmallow schemas: they validate requests, serialize responses and document both."""

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

# U+0000-U+001F and U+007F; unpaired surrogates (JSON allows "\ud800") cannot be stored either.
FORBIDDEN_IN_TITLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
MAX_ID = 2**63 - 1


class Title(fields.String):
    """A task title: stripped of surrounding whitespace, then checked by its validators."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class StrictBoolean(fields.Boolean):
    """A JSON true or false; marshmallow's Boolean would also take "true", 1 and "yes"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class DecimalInteger(fields.Integer):
    """A query parameter of ASCII digits only; int() would also take "+1", " 1" and "1_0"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class UTCDateTime(fields.DateTime):
    """An RFC 3339 UTC timestamp ending in Z; SQLite's naive datetimes are taken as UTC."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def no_forbidden_characters(title: str) -> None:
    """Reject a title holding a control character or an unpaired surrogate."""
    if FORBIDDEN_IN_TITLE.search(title):
        raise ValidationError("Title must not contain control characters or lone surrogates.")


def title_length(title: str) -> None:
    """Refuse an empty title or one over 200 code points, once stripped."""
    if not 1 <= len(title) <= 200:
        raise ValidationError("Title must be 1 to 200 characters long once stripped.")


# The title rules as a JSON Schema pattern over the title as sent: whitespace as str.isspace()
# defines it around 1 to 200 code points with no control character. validate.Length would
# document a maxLength of the sent string, which the whitespace around a title does not count
# towards, so the length is checked by title_length and documented here.
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CONTROL = r"\x00-\x1f\x7f"
TITLE_PATTERN = (
    rf"^[{SPACE}]*[^{SPACE}{CONTROL}](?:[^{CONTROL}]{{0,198}}[^{SPACE}{CONTROL}])?[{SPACE}]*$"
)
TITLE_DESCRIPTION = (
    "Leading and trailing whitespace is stripped first; what is left must be 1 to 200 code "
    "points long and contain no control character (U+0000 to U+001F, U+007F)."
)


def title_field(**kwargs: Any) -> Title:
    """The title field of a request body."""
    return Title(
        validate=[title_length, no_forbidden_characters],
        metadata={
            "description": TITLE_DESCRIPTION,
            "minLength": 1,
            "pattern": TITLE_PATTERN,
            "examples": ["Buy oat milk"],
        },
        **kwargs,
    )


class TaskCreateSchema(Schema):
    """The body of a POST. Unknown and read-only fields are rejected."""

    class Meta:
        unknown = RAISE

    title = title_field(required=True)
    done = StrictBoolean(load_default=False, metadata={"examples": [False]})


class TaskReplaceSchema(Schema):
    """The body of a PUT; both fields are required."""

    class Meta:
        unknown = RAISE

    title = title_field(required=True)
    done = StrictBoolean(required=True, metadata={"examples": [True]})


class TaskUpdateSchema(Schema):
    """The body of a PATCH; any subset of the fields, `{}` changes nothing."""

    class Meta:
        unknown = RAISE

    title = title_field()
    done = StrictBoolean(metadata={"examples": [True]})


class TaskSchema(Schema):
    """A task as the server returns it, always with exactly these four fields."""

    id = fields.Integer(
        required=True,
        dump_only=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={
            "format": "int64",
            "description": "Assigned by the server, ascending in creation order, never reused.",
            "examples": [42],
        },
    )
    title = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": TITLE_DESCRIPTION, "examples": ["Buy oat milk"]},
    )
    done = fields.Boolean(required=True, metadata={"examples": [False]})
    created_at = UTCDateTime(
        required=True,
        dump_only=True,
        metadata={
            "description": "When the task was created, UTC, RFC 3339 ending in `Z`.",
            "examples": ["2026-11-22T09:30:00.123456Z"],
        },
    )


class TaskQueryArgsSchema(Schema):
    """The query parameters of the listing; unknown ones are ignored."""

    page = DecimalInteger(
        load_default=1,
        validate=validate.Range(min=1),
        metadata={
            "description": "The page to return, from 1; decimal digits only.",
            "examples": [2],
        },
    )
    per_page = DecimalInteger(
        load_default=10,
        validate=validate.Range(min=1, max=100),
        metadata={
            "description": "How many tasks a page holds; decimal digits only.",
            "examples": [25],
        },
    )
    done = fields.Boolean(
        truthy={"true"},
        falsy={"false"},
        metadata={
            "description": "Only tasks whose `done` is this value; exactly `true` or `false`.",
            "examples": [False],
        },
    )


class TaskPageSchema(Schema):
    """One page of tasks ordered by id, with the counts to find the others."""

    items = fields.List(fields.Nested(TaskSchema), required=True)
    page = fields.Integer(required=True, validate=validate.Range(min=1), metadata={"examples": [2]})
    per_page = fields.Integer(
        required=True, validate=validate.Range(min=1, max=100), metadata={"examples": [10]}
    )
    total = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "How many tasks match the filter.", "examples": [12]},
    )
    pages = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata={
            "description": "`ceil(total / per_page)`, 0 when there is no task.",
            "examples": [2],
        },
    )


class HealthSchema(Schema):
    """Whether the server and its database are up."""

    status = fields.String(required=True, validate=validate.OneOf(["ok", "unavailable"]))
    uptime_seconds = fields.Float(
        required=True, validate=validate.Range(min=0), metadata={"examples": [3712.48]}
    )
    database = fields.String(required=True, validate=validate.OneOf(["ok", "unreachable"]))


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, validate=validate.Equal("about:blank"))
    title = fields.String(
        required=True,
        metadata={"description": "The status's RFC 9110 reason phrase.", "examples": ["Not Found"]},
    )
    status = fields.Integer(required=True, metadata={"examples": [404]})
    detail = fields.String(
        required=True,
        metadata={
            "description": "A human-readable sentence about this occurrence.",
            "examples": ["Task 7 does not exist."],
        },
    )


class FieldErrorSchema(Schema):
    """One offending body field or query parameter, and why."""

    field = fields.String(
        required=True,
        metadata={
            "description": "The body field or query parameter, or `body` for the body as a whole.",
            "examples": ["title"],
        },
    )
    message = fields.String(required=True, metadata={"examples": ["Unknown field."]})


class ValidationProblemSchema(ProblemSchema):
    """A 422 problem that names every offending field or query parameter."""

    errors = fields.List(
        fields.Nested(FieldErrorSchema), required=True, validate=validate.Length(min=1)
    )

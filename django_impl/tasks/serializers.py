"""Serializers: the Task representation, strict request validation, and list parameters."""

from collections.abc import Mapping
from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from django_impl.tasks.models import Task
from django_impl.tasks.strict import MAX_ID, QuerySerializer

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100


# The title rules as a JSON Schema pattern over the title as sent: whitespace as str.isspace()
# defines it around 1 to 200 code points with no control character. The whitespace around a
# title does not count towards its length, so the sent string has no maxLength.
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CONTROL = r"\x00-\x1f\x7f"
TITLE_PATTERN = (
    rf"^[{SPACE}]*[^{SPACE}{CONTROL}](?:[^{CONTROL}]{{0,198}}[^{SPACE}{CONTROL}])?[{SPACE}]*$"
)


@extend_schema_field({"type": "string", "minLength": 1, "pattern": TITLE_PATTERN})
class StrictCharField(serializers.CharField):
    """A CharField that takes only JSON strings (DRF's turns numbers into strings)."""

    def to_internal_value(self, data: Any) -> str:
        """Reject anything but a string, then trim as DRF does."""
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A BooleanField that takes only JSON true and false (DRF's takes "yes", 1, "on"...)."""

    def to_internal_value(self, data: Any) -> bool:
        """Reject anything but a boolean."""
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class TaskSerializer(serializers.ModelSerializer):
    """A task; PUT takes both writable fields, PATCH any subset of them."""

    id = serializers.IntegerField(read_only=True, min_value=1, max_value=MAX_ID)
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.BooleanField: StrictBooleanField,
    }

    class Meta:
        model = Task
        fields = ["id", "title", "done", "created_at"]
        read_only_fields = ["id", "created_at"]
        # `done` has a model default, which would make it optional everywhere.
        extra_kwargs = {"done": {"required": True}}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        """Validate the writable fields and reject every other one (DRF ignores them)."""
        rejected: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            for name in data:
                field = self.fields.get(name)
                if field is None:
                    rejected[name] = ["Unknown field."]
                elif field.read_only:
                    rejected[name] = ["This field is read-only."]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**exc.detail, **rejected}) from exc
        if rejected:
            raise serializers.ValidationError(rejected)
        return value

    def update(self, instance: Task, validated_data: dict[str, Any]) -> Task:
        """Change the task in place, raising Task.NotUpdated if it was deleted meanwhile."""
        for name, value in validated_data.items():
            setattr(instance, name, value)
        # ModelSerializer's plain save() would INSERT a task deleted since it was read,
        # reusing its id; ids are never reused.
        instance.save(force_update=True)
        return instance


class TaskCreateSerializer(TaskSerializer):
    """A new task as POST takes it: `done` may be left out and defaults to false."""

    class Meta(TaskSerializer.Meta):
        extra_kwargs = {"done": {"required": False}}


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter written in decimal digits only (DRF also takes "1.0", " 1")."""

    def to_internal_value(self, data: Any) -> int:
        """Reject anything but ASCII digits, then bound-check as DRF does."""
        if not (isinstance(data, str) and data.isascii() and data.isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryBooleanField(serializers.BooleanField):
    """A boolean query parameter: exactly `true` or `false` (DRF also takes "1", "yes"...)."""

    default_error_messages = {"invalid": 'Must be "true" or "false".'}

    def to_internal_value(self, data: Any) -> bool:
        """Map the two accepted strings to booleans."""
        if data not in ("true", "false"):
            self.fail("invalid")
        return data == "true"


class TaskListQuerySerializer(QuerySerializer):
    """The query parameters of the task list: pagination and the `done` filter."""

    page = QueryIntegerField(min_value=1, default=1, help_text="Page number, from 1.")
    per_page = QueryIntegerField(
        min_value=1,
        max_value=MAX_PER_PAGE,
        default=DEFAULT_PER_PAGE,
        help_text="Tasks per page.",
    )
    done = QueryBooleanField(
        required=False, help_text="Only tasks that are done (true) or not done (false)."
    )


# The serializers below only document responses in OpenAPI; nothing validates with them.


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, the body of every error."""

    type = serializers.ChoiceField(["about:blank"], help_text="Always `about:blank`.")
    title = serializers.CharField(help_text="The status's RFC 9110 reason phrase.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="A human-readable sentence about this occurrence.")


class FieldErrorSerializer(serializers.Serializer):
    """One offending field or query parameter of a 422."""

    field = serializers.CharField(help_text="The body field or query parameter, or `body`.")
    message = serializers.CharField(help_text="Why it was rejected.")


class ValidationProblemSerializer(ProblemSerializer):
    """A 422 problem that names every offending field or query parameter."""

    errors = FieldErrorSerializer(many=True)


class HealthSerializer(serializers.Serializer):
    """The health report."""

    status = serializers.ChoiceField(["ok", "unavailable"])
    uptime_seconds = serializers.FloatField(min_value=0)
    database = serializers.ChoiceField(["ok", "unreachable"])

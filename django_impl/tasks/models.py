"""The Task model."""

import re

from django.core.exceptions import ValidationError
from django.db import models

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def validate_no_control_characters(value: str) -> None:
    """Reject a title holding a control character (U+0000 to U+001F, U+007F)."""
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            "Must not contain control characters (U+0000 to U+001F, U+007F).",
            code="control_characters",
        )


class Task(models.Model):
    """A to-do item: a title, whether it is done, and when it was created."""

    title = models.CharField(max_length=200, validators=[validate_no_control_characters])
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tasks"

    def __str__(self) -> str:
        return self.title

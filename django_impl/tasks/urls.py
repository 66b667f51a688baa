"""Routes of the task API."""

from django.urls import register_converter
from rest_framework.routers import SimpleRouter

from django_impl.tasks.views import TaskViewSet

MAX_ID = 2**63 - 1


class TaskIdConverter:
    """A task id in a URL: decimal digits naming 1 to 2**63 - 1; anything else is no match."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        """The id as an int; out of range is a ValueError, which Django answers with 404."""
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"task id out of range: {value}")
        return number

    def to_url(self, value: int) -> str:
        """The id as written in a URL."""
        return str(value)


register_converter(TaskIdConverter, "task_id")

# SimpleRouter, not DefaultRouter: DefaultRouter adds an API root view and `.json` format
# suffix routes, paths the contract does not have.
router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("tasks", TaskViewSet)

urlpatterns = router.urls

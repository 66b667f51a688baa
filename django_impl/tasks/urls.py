"""Routes of the task API."""

from django.urls import register_converter
from rest_framework.routers import SimpleRouter

from django_impl.tasks.strict import TaskIdConverter
from django_impl.tasks.views import TaskViewSet

register_converter(TaskIdConverter, "task_id")

# SimpleRouter, not DefaultRouter: DefaultRouter adds an API root view and `.json` format
# suffix routes, paths the contract does not have.
router = SimpleRouter(trailing_slash=False, use_regex_path=False)
router.register("tasks", TaskViewSet)

urlpatterns = router.urls

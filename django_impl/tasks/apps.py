"""The tasks app."""

from django.apps import AppConfig


class TasksConfig(AppConfig):
    """The tasks app: the Task model and its REST API."""

    name = "django_impl.tasks"
    label = "tasks"

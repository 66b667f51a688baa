"""The task API and the health check."""

import time
from typing import Any

from django.db import DatabaseError, connection
from django.http import Http404
from django.urls import reverse
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from django_impl.tasks.models import Task
from django_impl.tasks.openapi import health_schema, task_schema
from django_impl.tasks.pagination import TaskPagination
from django_impl.tasks.serializers import (
    TaskCreateSerializer,
    TaskListQuerySerializer,
    TaskSerializer,
)
from django_impl.tasks.strict import ContractMixin

STARTED_AT = time.monotonic()


@task_schema
class TaskViewSet(ContractMixin, viewsets.ModelViewSet):
    """Create, read, list, replace, update and delete tasks."""

    queryset = Task.objects.order_by("id")
    serializer_class = TaskSerializer
    pagination_class = TaskPagination
    lookup_value_converter = "task_id"
    # In this order, they make the alphabetical Allow header the contract asks for.
    http_method_names = ["delete", "get", "head", "patch", "post", "put"]

    def get_serializer_class(self) -> type[BaseSerializer]:
        """POST may leave `done` out; everything else uses the full task."""
        return TaskCreateSerializer if self.action == "create" else TaskSerializer

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

    @health_schema
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

"""Failures the black-box suite cannot provoke still answer with problem details."""

import pytest
from django.db import OperationalError
from django.db.models import QuerySet

from django_impl.tasks import views
from django_impl.tasks.models import Task

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_unexpected_error_is_500_problem_not_a_debug_page(api, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.TaskViewSet, "list", explode)

    response = api.get("/api/v1/tasks")

    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server hit an unexpected error.",
    }
    assert b"boom" not in response.content


def test_database_error_in_a_view_is_503_problem(api, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(QuerySet, "get", unreachable)

    response = api.get("/api/v1/tasks/1")

    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM
    assert response.json()["title"] == "Service Unavailable"


def test_unreachable_database_makes_health_503(api, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", BrokenConnection())

    response = api.get("/health")

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"]) == ("unavailable", "unreachable")


def test_disallowed_host_is_400_problem(api):
    response = api.get("/health", headers={"host": "evil.example"})

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


def test_unknown_path_is_404_problem(api):
    response = api.get("/api/v1/tasks/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Nothing exists at /api/v1/tasks/."


def test_missing_task_names_its_id(api):
    response = api.get("/api/v1/tasks/7")

    assert response.status_code == 404
    assert response.json()["detail"] == "Task 7 does not exist."


def test_options_is_405_without_drf_metadata(api):
    response = api.options("/api/v1/tasks")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"


def test_allow_is_sent_with_405_only(api):
    response = api.get("/api/v1/tasks")

    assert response.status_code == 200
    assert "Allow" not in response


@pytest.mark.django_db(transaction=True)  # the failed save marks an enclosing atomic block
def test_change_to_a_task_deleted_meanwhile_is_404_and_does_not_recreate_it(api, monkeypatch):
    task = Task.objects.create(title="Read, then deleted")
    Task.objects.filter(pk=task.pk).delete()
    monkeypatch.setattr(views.TaskViewSet, "get_object", lambda self: task)

    response = api.put(f"/api/v1/tasks/{task.pk}", {"title": "Back?", "done": True}, format="json")

    assert response.status_code == 404
    assert not Task.objects.filter(pk=task.pk).exists()

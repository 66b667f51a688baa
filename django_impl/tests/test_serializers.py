"""Where DRF's serializer defaults were made strict."""

import pytest
from django.http import QueryDict

from django_impl.tasks.serializers import (
    TaskCreateSerializer,
    TaskListQuerySerializer,
    TaskSerializer,
)


def errors(serializer) -> set[str]:
    assert not serializer.is_valid()
    return set(serializer.errors)


@pytest.mark.parametrize("done", ["true", 1, "yes", "on", None])
def test_done_is_not_coerced_to_a_boolean(done):
    assert errors(TaskCreateSerializer(data={"title": "x", "done": done})) == {"done"}


@pytest.mark.parametrize("title", [5, 1.5, True])
def test_title_is_not_coerced_to_a_string(title):
    assert errors(TaskCreateSerializer(data={"title": title})) == {"title"}


def test_unknown_and_read_only_fields_are_rejected_beside_invalid_ones():
    data = {"title": "", "id": 1, "created_at": "2026-11-22T09:30:00Z", "owner": "me"}

    assert errors(TaskCreateSerializer(data=data)) == {"title", "id", "created_at", "owner"}


def test_create_defaults_done_but_replace_requires_it():
    assert TaskCreateSerializer(data={"title": "x"}).is_valid()
    assert errors(TaskSerializer(data={"title": "x"})) == {"done"}
    assert TaskSerializer(data={}, partial=True).is_valid()


def test_title_is_trimmed_before_its_length_is_checked():
    serializer = TaskCreateSerializer(data={"title": "\u3000" + "a" * 200 + "\n"})

    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["title"] == "a" * 200


@pytest.mark.parametrize("title", ["a\x00b", "a\x1bb", "a\x7fb"])
def test_control_characters_are_rejected(title):
    assert errors(TaskCreateSerializer(data={"title": title})) == {"title"}


def test_a_non_object_body_is_named_body():
    assert errors(TaskCreateSerializer(data=[])) == {"body"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": "1.0"}, "page"),
        ({"page": " 1"}, "page"),
        ({"page": ""}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "+10"}, "per_page"),
        ({"done": "1"}, "done"),
        ({"done": "True"}, "done"),
    ],
)
def test_list_parameters_are_strict(query, field):
    assert errors(TaskListQuerySerializer(data=query)) == {field}


def test_list_parameters_default_to_page_1_of_10():
    query = TaskListQuerySerializer(data={})

    assert query.is_valid()
    assert query.validated_data == {"page": 1, "per_page": 10}


def test_repeated_list_parameters_are_named_with_invalid_ones():
    query = QueryDict("page=1&page=2&per_page=0&done=true&done=true")

    assert errors(TaskListQuerySerializer(data=query)) == {"page", "per_page", "done"}

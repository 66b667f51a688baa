"""Page-number pagination with the contract's envelope and strict parameters."""

import math
from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from django_impl.tasks.serializers import DEFAULT_PER_PAGE, MAX_PER_PAGE


class TaskPagination(PageNumberPagination):
    """`?page=&per_page=` answered as `{"items", "page", "per_page", "total", "pages"}`.

    DRF's PageNumberPagination clamps or ignores a bad `per_page`, answers 404 for a bad
    page or one past the end, and puts links rather than counts in its envelope.
    """

    page_size = DEFAULT_PER_PAGE
    page_size_query_param = "per_page"
    max_page_size = MAX_PER_PAGE

    def paginate(self, queryset: QuerySet, page: int, per_page: int) -> list[Any]:
        """Take one page of an ordered queryset; a page past the end is empty, not a 404."""
        self.page_number, self.per_page = page, per_page
        self.total = queryset.count()
        offset = (page - 1) * per_page
        if offset >= self.total:
            return []  # also keeps absurd page numbers out of the SQL OFFSET
        return list(queryset[offset : offset + per_page])

    def get_paginated_response(self, data: list[Any]) -> Response:
        """The page envelope."""
        return Response(
            {
                "items": data,
                "page": self.page_number,
                "per_page": self.per_page,
                "total": self.total,
                "pages": math.ceil(self.total / self.per_page),
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The page envelope in OpenAPI."""
        return {
            "type": "object",
            "required": ["items", "page", "per_page", "total", "pages"],
            "properties": {
                "items": schema,
                "page": {"type": "integer", "minimum": 1, "example": 1},
                "per_page": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "example": DEFAULT_PER_PAGE,
                },
                "total": {"type": "integer", "minimum": 0, "example": 1},
                "pages": {"type": "integer", "minimum": 0, "example": 1},
            },
        }

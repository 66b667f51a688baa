"""What Django REST Framework needs beyond its own defaults to serve CONTRACT.md, in one place.

- The body: checked up front in the contract's order (413, 415, 400), where DRF would parse it
  lazily, treat a missing Content-Type or an empty body as `{}`, and skip a chunked body.
- Changes: the body is validated before the task is looked up, so 422 comes before 404.
- Ids: a path converter, so that an id that cannot name a task matches no route (404).
- The query: no parameter given twice.
- Answers: Accept is not consulted (DRF answers 406 to one it cannot satisfy), and `Allow` is
  sent with 405 answers only (DRF sends it with every answer).
"""

from collections.abc import Callable, Mapping
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.utils.decorators import sync_and_async_middleware
from django.utils.http import parse_header_parameters
from rest_framework import serializers
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

MAX_ID = 2**63 - 1
# The viewset actions that take a JSON body.
BODY_ACTIONS = {"create", "update", "partial_update"}


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


def check_body(request: Request) -> None:
    """Read and check a request body: 413, then 415, then 400, before DRF parses it."""
    body = request.body  # over DATA_UPLOAD_MAX_MEMORY_SIZE: RequestDataTooBig, a 413
    # A WSGI server hands over what arrived before the client stopped sending.
    announced = request.META.get("CONTENT_LENGTH", "")
    if announced.isdigit() and len(body) < int(announced):
        raise ParseError(f"The request body ended before its {announced} bytes.")
    # DRF treats a body without a Content-Type as empty instead of refusing it.
    media_type, _ = parse_header_parameters(request.content_type or "")
    if media_type != "application/json":
        raise UnsupportedMediaType(
            media_type,
            detail=f"Content-Type must be application/json, not {media_type or 'absent'}.",
        )
    # DRF treats an empty body as `{}` instead of as malformed JSON.
    if not body:
        raise ParseError("The request body is empty; send a JSON object.")
    # DRF reads a body only when CONTENT_LENGTH says it has one; a chunked body under ASGI has
    # none, so give it the length of the body Django has already read.
    if not announced:
        request.META["CONTENT_LENGTH"] = str(len(body))
    try:
        request.data  # noqa: B018 -- parse now, so malformed JSON is a 400 here
    except RecursionError:
        raise ParseError("The request body nests too deeply to parse.") from None


class ContractMixin:
    """A DRF viewset whose body checks and lookups follow the contract's order of checks."""

    action: str | None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Check the body first: 413, then 415, then 400 (DRF looks lazily, in another order)."""
        super().initial(request, *args, **kwargs)
        if self.action in BODY_ACTIONS:
            check_body(request)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace (PUT) or change (PATCH) a task, validating the body before the lookup."""
        # DRF's update() looks the task up first; the contract answers 422 before 404.
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.instance = self.get_object()
        self.perform_update(serializer)
        return Response(serializer.data)


class QuerySerializer(serializers.Serializer):
    """Query parameters, each at most once: the API does not guess which of two was meant."""

    def to_internal_value(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Validate every parameter, naming repeated ones along with invalid ones."""
        given = dict(data.lists()) if isinstance(data, QueryDict) else {}
        repeated = {
            name: ["Give this parameter once."]
            for name in self.fields
            if len(given.get(name, ())) > 1
        }
        single = data.dict() if isinstance(data, QueryDict) else data
        try:
            values = super().to_internal_value(single)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **repeated}) from None
        if repeated:
            raise serializers.ValidationError(repeated)
        return values


class IgnoreAccept(DefaultContentNegotiation):
    """Answer with the view's first renderer whatever Accept says, as DRF's docs show.

    Each resource has one representation; DRF would answer 406 to an Accept without it.
    """

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        """The first renderer, and its media type."""
        return renderers[0], renderers[0].media_type


def _without_allow(response: HttpResponseBase) -> HttpResponseBase:
    if response.status_code != 405 and "Allow" in response:
        del response["Allow"]
    return response


@sync_and_async_middleware
def allow_with_405_only(get_response: Callable[..., Any]) -> Callable[..., Any]:
    """Django middleware: keep `Allow` on 405 answers only; DRF's views send it with every one."""
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponseBase:
            return _without_allow(await get_response(request))

    else:

        def middleware(request: HttpRequest) -> HttpResponseBase:
            return _without_allow(get_response(request))

    return middleware

"""The /health endpoint and the /api/v1/tasks resource."""

import json
import math
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BeforeValidator
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy import func, select, text

from fastapi_impl.db import SessionDep
from fastapi_impl.models import Task
from fastapi_impl.schemas import (
    Health,
    Problem,
    TaskCreate,
    TaskPage,
    TaskRead,
    TaskReplace,
    TaskUpdate,
    ValidationProblem,
)

STARTED = time.monotonic()
MAX_ID = 2**63 - 1


def _parse_int(value: object) -> object:
    # pydantic's lax mode reads "1.0", "+1" and " 1" as 1; the contract wants digits only.
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()):
            raise ValueError("must be a whole number written in digits")
        return int(value)
    return value


def _parse_bool(value: object) -> object:
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


Page = Annotated[int, Query(ge=1, description="Page number, from 1."), BeforeValidator(_parse_int)]
PerPage = Annotated[
    int, Query(ge=1, le=100, description="Tasks per page."), BeforeValidator(_parse_int)
]
TaskId = Annotated[int, Path(alias="id", ge=1, le=MAX_ID, description="The task's id.")]
DoneFilter = Annotated[
    bool | SkipJsonSchema[None],
    Query(description="Only tasks with this `done` value."),
    BeforeValidator(_parse_bool),
]


async def single_query_values(request: Request) -> None:
    """Refuse a list parameter given more than once, rather than guess which value was meant."""
    repeated = [
        name for name in ("page", "per_page", "done") if len(request.query_params.getlist(name)) > 1
    ]
    errors = [
        {"type": "repeated", "loc": ("query", name), "msg": "Give this parameter once."}
        for name in repeated
    ]
    if errors:
        raise RequestValidationError(errors)


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {
            "model": ValidationProblem if code == 422 else Problem,
            "description": {
                400: "The body is not valid JSON.",
                404: "No task has this id.",
                413: "The body is larger than 64 KiB.",
                414: "The request line is over 8,190 bytes; the HTTP server refuses it.",
                415: "The body is not sent as application/json.",
                422: "A field or parameter is invalid; every one is named.",
                503: "The database is unavailable.",
            }[code],
        }
        for code in (*codes, 503)
    }


async def require_json(request: Request) -> None:
    """Refuse a body that is not declared as application/json."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)


JsonBody = Depends(require_json)
WRITE_ERRORS = (400, 413, 415, 422)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


class StrictRequest(Request):
    """A request whose JSON body must be standard JSON in valid UTF-8: no NaN or Infinity."""

    async def json(self) -> Any:
        """Parse the body, refusing the non-standard constants Python's json accepts."""
        if not hasattr(self, "_json"):
            # Decoding first: json.loads(bytes) lets UTF-8-encoded surrogates through.
            text = (await self.body()).decode("utf-8")
            self._json = json.loads(text, parse_constant=_reject_constant)
        return self._json


class TaskRoute(APIRoute):
    """Answer 404 for an id that cannot name a task before the body is even read."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler with the id check and the strict JSON request."""
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            task_id = request.path_params.get("id")
            if task_id is not None and not 1 <= task_id <= MAX_ID:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "No task has this id.")
            return await handler(StrictRequest(request.scope, request.receive))

        return route_handler


health_router = APIRouter(tags=["health"])
router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"], route_class=TaskRoute)


@health_router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def read_health(session: SessionDep) -> Any:
    """Report whether the service and its database are up."""
    uptime = round(time.monotonic() - STARTED, 3)
    try:
        await session.execute(text("SELECT 1"))
    except Exception:
        body = {"status": "unavailable", "uptime_seconds": uptime, "database": "unreachable"}
        return JSONResponse(body, status.HTTP_503_SERVICE_UNAVAILABLE)
    return Health(status="ok", uptime_seconds=uptime, database="ok")


async def _get_task(session: SessionDep, task_id: int) -> Task:
    task = await session.get(Task, task_id)
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Task {task_id} does not exist.")
    return task


@router.get(
    "",
    response_model=TaskPage,
    responses=_problems(414, 422),
    dependencies=[Depends(single_query_values)],
)
async def read_tasks(
    session: SessionDep,
    page: Page = 1,
    per_page: PerPage = 10,
    done: DoneFilter = None,
) -> Any:
    """List tasks, oldest first, one page at a time."""
    query = select(Task)
    if done is not None:
        query = query.where(Task.done == done)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = (page - 1) * per_page
    items: list[Task] = []
    if offset < total:
        items = list(await session.scalars(query.order_by(Task.id).offset(offset).limit(per_page)))
    pages = math.ceil(total / per_page)
    return {"items": items, "page": page, "per_page": per_page, "total": total, "pages": pages}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskRead,
    dependencies=[JsonBody],
    responses=_problems(*WRITE_ERRORS),
)
async def create_task(payload: TaskCreate, session: SessionDep, response: Response) -> Any:
    """Create a task."""
    task = Task(**payload.model_dump())
    session.add(task)
    await session.commit()
    response.headers["Location"] = f"{router.prefix}/{task.id}"
    return task


@router.get("/{id:int}", response_model=TaskRead, responses=_problems(404))
async def read_task(task_id: TaskId, session: SessionDep) -> Any:
    """Read one task."""
    return await _get_task(session, task_id)


@router.put(
    "/{id:int}",
    response_model=TaskRead,
    dependencies=[JsonBody],
    responses=_problems(404, *WRITE_ERRORS),
)
async def replace_task(task_id: TaskId, payload: TaskReplace, session: SessionDep) -> Any:
    """Replace a task's title and done flag."""
    task = await _get_task(session, task_id)
    task.title, task.done = payload.title, payload.done
    await session.commit()
    return task


@router.patch(
    "/{id:int}",
    response_model=TaskRead,
    dependencies=[JsonBody],
    responses=_problems(404, *WRITE_ERRORS),
)
async def update_task(task_id: TaskId, payload: TaskUpdate, session: SessionDep) -> Any:
    """Change the given fields of a task; `{}` changes nothing."""
    task = await _get_task(session, task_id)
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(task, field, value)
    await session.commit()
    return task


@router.delete("/{id:int}", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(404))
async def delete_task(task_id: TaskId, session: SessionDep) -> Response:
    """Delete a task."""
    task = await _get_task(session, task_id)
    await session.delete(task)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""The /health endpoint and the /api/v1/tasks resource."""

import math
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy import func, select, text

from fastapi_impl.db import SessionDep
from fastapi_impl.models import Task
from fastapi_impl.schemas import (
    DigitsOnly,
    Health,
    Problem,
    TaskCreate,
    TaskPage,
    TaskRead,
    TaskReplace,
    TaskUpdate,
    TrueOrFalse,
    ValidationProblem,
)
from fastapi_impl.strict import (
    MAX_ID,
    ContractRoute,
    require_json,
    single_query_values,
)

STARTED = time.monotonic()

Page = Annotated[int, Query(ge=1, description="Page number, from 1."), DigitsOnly]
PerPage = Annotated[int, Query(ge=1, le=100, description="Tasks per page."), DigitsOnly]
# ContractRoute answers 404 for an id out of range; the bounds here document it.
TaskId = Annotated[
    int,
    Path(
        alias="id",
        description="The task's id.",
        json_schema_extra={"minimum": 1, "maximum": MAX_ID},
    ),
]
DoneFilter = Annotated[
    bool | SkipJsonSchema[None],
    Query(description="Only tasks with this `done` value."),
    TrueOrFalse,
]
JsonBody = Depends(require_json)
WRITE_ERRORS = (400, 413, 415, 422)


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


health_router = APIRouter(tags=["health"], route_class=ContractRoute)
router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"], route_class=ContractRoute)


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

"""The Task API: a flask-smorest Blueprint with two MethodViews, and /health."""

import math
import time
from collections.abc import Sequence
from typing import Any

from flask import abort, current_app, url_for
from flask.views import MethodView
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from flask_impl.db import Session
from flask_impl.models import Task
from flask_impl.schemas import (
    HealthSchema,
    TaskCreateSchema,
    TaskPageSchema,
    TaskQueryArgsSchema,
    TaskReplaceSchema,
    TaskSchema,
    TaskUpdateSchema,
)
from flask_impl.strict import Blueprint

STARTED_AT = time.monotonic()

# Problem responses each operation documents, by status: names registered in errors.py.
BODY_PROBLEMS = {
    400: "BadRequest",
    413: "ContentTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidBody",
}
NOT_FOUND = {404: "NotFound"}
UNAVAILABLE = {503: "ServiceUnavailable"}
TASK_ID = (
    "The task's id, a decimal integer from 1 to 9223372036854775807. Anything else, and the "
    "id of a task that does not exist, is a 404."
)
LOCATION = {
    "description": "The new task's path, `/api/v1/tasks/{id}`.",
    "schema": {"type": "string", "examples": ["/api/v1/tasks/42"]},
}


blp = Blueprint(
    "tasks",
    __name__,
    url_prefix="/api/v1/tasks",
    description="Create, read, list, replace, update and delete tasks.",
)
health_blp = Blueprint("health", __name__, description="Liveness and database reachability.")


def get_task_or_404(task_id: int) -> Task:
    """The task with this id, or a 404."""
    task = Session.get(Task, task_id)
    if task is None:
        abort(404, f"Task {task_id} does not exist.")
    return task


def update_task(task_id: int, changes: dict[str, Any]) -> Task:
    """Apply validated changes to a task and commit them."""
    task = get_task_or_404(task_id)
    for field, value in changes.items():
        setattr(task, field, value)
    Session.commit()
    return task


@blp.route("")
class Tasks(MethodView):
    """The collection of tasks."""

    @blp.arguments(TaskQueryArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, TaskPageSchema)
    @blp.doc(
        operationId="read_tasks", responses={414: "URITooLong", 422: "InvalidQuery"} | UNAVAILABLE
    )
    def get(self, page: int, per_page: int, done: bool | None = None) -> dict[str, Any]:
        """List tasks, oldest first, one page at a time."""
        filters = [] if done is None else [Task.done == done]
        total = Session.scalar(select(func.count()).select_from(Task).where(*filters)) or 0
        offset = (page - 1) * per_page
        items: Sequence[Task] = []
        # Past the end there is nothing to fetch, and a huge page would overflow SQL's OFFSET.
        if offset < total:
            query = select(Task).where(*filters).order_by(Task.id).offset(offset).limit(per_page)
            items = Session.scalars(query).all()
        pages = math.ceil(total / per_page)
        return {"items": items, "page": page, "per_page": per_page, "total": total, "pages": pages}

    @blp.arguments(TaskCreateSchema)
    @blp.response(201, TaskSchema, headers={"Location": LOCATION})
    @blp.doc(operationId="create_task", responses=BODY_PROBLEMS | UNAVAILABLE)
    def post(self, data: dict[str, Any]) -> tuple[Task, dict[str, str]]:
        """Create a task."""
        task = Task(**data)
        Session.add(task)
        Session.commit()
        return task, {"Location": url_for(".TaskById", id=task.id)}


@blp.route("/<task_id:id>", parameters=[{"in": "path", "name": "id", "description": TASK_ID}])
class TaskById(MethodView):
    """One task, by id."""

    @blp.response(200, TaskSchema)
    @blp.doc(operationId="read_task", responses=NOT_FOUND | UNAVAILABLE)
    def get(self, id: int) -> Task:
        """Read one task."""
        return get_task_or_404(id)

    @blp.arguments(TaskReplaceSchema)
    @blp.response(200, TaskSchema)
    @blp.doc(operationId="replace_task", responses=BODY_PROBLEMS | NOT_FOUND | UNAVAILABLE)
    def put(self, data: dict[str, Any], id: int) -> Task:
        """Replace a task's title and done flag."""
        return update_task(id, data)

    @blp.arguments(TaskUpdateSchema)
    @blp.response(200, TaskSchema)
    @blp.doc(operationId="update_task", responses=BODY_PROBLEMS | NOT_FOUND | UNAVAILABLE)
    def patch(self, data: dict[str, Any], id: int) -> Task:
        """Change some of a task's fields."""
        return update_task(id, data)

    @blp.response(204)
    @blp.doc(operationId="delete_task", responses=NOT_FOUND | UNAVAILABLE)
    def delete(self, id: int) -> None:
        """Delete a task."""
        Session.delete(get_task_or_404(id))
        Session.commit()


@health_blp.route("/health")
@health_blp.response(200, HealthSchema, description="The server and its database are up.")
@health_blp.alt_response(503, schema=HealthSchema, description="The database cannot be reached.")
@health_blp.doc(operationId="read_health")
def health() -> tuple[dict[str, Any], int]:
    """Report whether the server and its database are up."""
    uptime = round(time.monotonic() - STARTED_AT, 3)
    try:
        Session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("health check: database unreachable: %s", error)
        return {"status": "unavailable", "uptime_seconds": uptime, "database": "unreachable"}, 503
    return {"status": "ok", "uptime_seconds": uptime, "database": "ok"}, 200

"""The Task API: a flask-smorest Blueprint with two MethodViews, and /health."""

import json
import math
import time
from collections.abc import Sequence
from typing import Any

import flask_smorest
from flask import Request, abort, current_app, url_for
from flask.views import MethodView
from marshmallow import Schema, ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter, Map

from flask_impl.db import Session
from flask_impl.models import Task
from flask_impl.schemas import (
    MAX_ID,
    HealthSchema,
    TaskCreateSchema,
    TaskPageSchema,
    TaskQueryArgsSchema,
    TaskReplaceSchema,
    TaskSchema,
    TaskUpdateSchema,
)

STARTED_AT = time.monotonic()

# Problem responses each operation documents, by status: names registered by errors.Api.
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


class TaskIdConverter(IntegerConverter):
    """A task id in a URL, 1 to 2**63 - 1; anything else matches no route, so it is a 404."""

    regex = r"[0-9]+"  # werkzeug's \d+ also takes other scripts' digits, e.g. U+0661

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_ID)


class JSONBodyParser(FlaskParser):
    """webargs' Flask parser held to the contract's order of checks: 413, 415, 400, then 422."""

    def load_json(self, req: Request, schema: Schema) -> Any:
        """Parse a JSON body; webargs would treat a non-JSON or empty body as an empty object."""
        body = req.get_data(cache=True)  # werkzeug's 413 when Content-Length is over the limit
        # A chunked body has no Content-Length, and werkzeug silently stops reading it at the
        # limit: a body that fills the limit is too large if the stream holds one byte more.
        if len(body) == req.max_content_length and req.environ["wsgi.input"].read(1):
            abort(413)
        if req.mimetype != "application/json":
            abort(415, "The request body must be sent as application/json.")
        # gunicorn hands over what arrived before a client stopped sending mid-body.
        if req.content_length is not None and len(body) < req.content_length:
            abort(400, f"The request body ended before its {req.content_length} bytes.")
        try:
            return json.loads(body.decode(), parse_constant=reject_constant)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError alike
            abort(400, f"The request body is not valid JSON: {error}.")
        except RecursionError:
            abort(400, "The request body nests too deeply to parse.")

    def load_querystring(self, req: Request, schema: Schema) -> Any:
        """The query string; a parameter given twice is refused rather than guessed at."""
        repeated = [name for name in schema.fields if len(req.args.getlist(name)) > 1]
        if repeated:
            raise ValidationError({name: ["Give this parameter once."] for name in repeated})
        return super().load_querystring(req, schema)


def reject_constant(name: str) -> Any:
    """Refuse NaN and Infinity, which Python's json module accepts and JSON does not."""
    raise ValueError(f"{name} is not a JSON value")


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint that parses request bodies with JSONBodyParser."""

    ARGUMENTS_PARSER = JSONBodyParser()


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

"""The FastAPI application: settings, routers, error handlers and the body limit."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from fastapi_impl.config import settings
from fastapi_impl.db import engine
from fastapi_impl.errors import document_problem_details, register_error_handlers
from fastapi_impl.routes import health_router, router
from fastapi_impl.strict import BodySizeLimit, HeadAsGet, NoSniff


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Release the connection pool on shutdown."""
    yield
    await engine.dispose()


app = FastAPI(
    title="Task API (FastAPI)",
    version="1.0.0",
    description="A small task list: create, read, update, delete and page through tasks.",
    lifespan=lifespan,
    redirect_slashes=False,
    # operationId = the handler's name (read_tasks, create_task, ...), as FastAPI's guide to
    # generating clients suggests; clients then name their methods the same from any document.
    generate_unique_id_function=lambda route: route.name,
)
app.add_middleware(HeadAsGet)
app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
# Outermost, so that errors answered by the middleware below carry the header too.
app.add_middleware(NoSniff)
register_error_handlers(app)
app.include_router(health_router)
app.include_router(router)


def openapi() -> dict[str, Any]:
    """The generated OpenAPI document, with errors documented as problem details."""
    if app.openapi_schema is None:
        app.openapi_schema = document_problem_details(FastAPI.openapi(app))
    return app.openapi_schema


app.openapi = openapi  # type: ignore[method-assign]

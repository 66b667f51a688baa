"""gunicorn's uvicorn worker on uvloop and taskbench's problem+json httptools protocol."""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker as BaseUvicornWorker

from taskbench.uvicorn_protocol import PROTOCOL


class UvicornWorker(BaseUvicornWorker):
    """The uvicorn worker with the protocol of `taskbench.uvicorn_protocol`."""

    CONFIG_KWARGS: dict[str, Any] = {"loop": "uvloop", "http": PROTOCOL}

"""The Task API in Flask: flask-smorest, marshmallow and plain SQLAlchemy 2.0."""

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response

from flask_impl import db
from flask_impl.config import Config
from flask_impl.errors import Api
from flask_impl.routes import TaskIdConverter, blp, health_blp


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides the settings read from the environment."""
    app = Flask(__name__)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the schemas' field order
    # werkzeug would redirect /api//v1/tasks to /api/v1/tasks; the contract has no redirects.
    app.url_map.merge_slashes = False
    app.url_map.converters["task_id"] = TaskIdConverter

    db.init_app(app)
    api = Api(app)
    api.register_blueprint(health_blp)
    api.register_blueprint(blp)

    @app.after_request
    def nosniff(response: Response) -> Response:
        """Tell browsers not to guess a response's type from its content."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app

"""The Task API in Flask: flask-smorest, marshmallow and plain SQLAlchemy 2.0."""

from collections.abc import Mapping
from typing import Any

from flask import Flask

from flask_impl import db
from flask_impl.config import Config
from flask_impl.errors import document_problem_responses, register_error_handlers
from flask_impl.routes import blp, health_blp
from flask_impl.strict import (
    Api,
    TaskIdConverter,
    exact_path,
    no_content_type_without_content,
    nosniff,
)


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
    register_error_handlers(app)
    api = Api(app)
    document_problem_responses(api.spec)
    api.register_blueprint(health_blp)
    api.register_blueprint(blp)
    app.before_request(exact_path)
    app.after_request(nosniff)
    app.after_request(no_content_type_without_content)
    return app

"""Which role each file of an implementation plays, from the layout in STYLE.md.

"adjustments" is each implementation's strict.py: what it adds beyond its framework's idiom
to meet CONTRACT.md, counted apart from the API code it serves.
"""

from __future__ import annotations

from fnmatch import fnmatch

ROLES = {
    "models": "models",
    "schemas": "schemas / serializers",
    "routes": "routes / views",
    "errors": "errors",
    "adjustments": "contract adjustments",
    "config": "config and wiring",
    "migrations": "migrations",
}

# An implementation's own tests are not part of what it took to build it.
EXCLUDED = ("tests/*", "*/tests/*", "test_*.py", "*/test_*.py", "conftest.py", "*/conftest.py")

# Patterns are matched against paths relative to the implementation's package, first match wins.
LAYOUT: dict[str, list[tuple[str, str]]] = {
    "fastapi": [
        ("migrations/*", "migrations"),
        ("models.py", "models"),
        ("schemas.py", "schemas"),
        ("routes.py", "routes"),
        ("errors.py", "errors"),
        ("strict.py", "adjustments"),
        ("main.py", "config"),
        ("config.py", "config"),
        ("db.py", "config"),
        ("__init__.py", "config"),
    ],
    "flask": [
        ("migrations/*", "migrations"),
        ("models.py", "models"),
        ("schemas.py", "schemas"),
        ("routes.py", "routes"),
        ("errors.py", "errors"),
        ("strict.py", "adjustments"),
        ("__init__.py", "config"),
        ("config.py", "config"),
        ("db.py", "config"),
    ],
    "django": [
        ("tasks/migrations/*", "migrations"),
        ("tasks/models.py", "models"),
        ("tasks/serializers.py", "schemas"),
        ("tasks/views.py", "routes"),
        ("tasks/urls.py", "routes"),
        ("tasks/pagination.py", "routes"),
        ("tasks/openapi.py", "routes"),
        ("tasks/exceptions.py", "errors"),
        ("tasks/strict.py", "adjustments"),
        ("tasks/apps.py", "config"),
        ("tasks/__init__.py", "config"),
        ("config/*", "config"),
        ("__init__.py", "config"),
    ],
}


def role_of(impl: str, relative_path: str) -> str | None:
    """The role of a file, or None when the layout does not name it."""
    for pattern, role in LAYOUT.get(impl, []):
        if fnmatch(relative_path, pattern):
            return role
    return None


def excluded(relative_path: str) -> bool:
    """True for files that are not the implementation itself (its tests)."""
    return any(fnmatch(relative_path, pattern) for pattern in EXCLUDED)

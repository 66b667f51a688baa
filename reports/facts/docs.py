"""What each implementation's /docs, /redoc and /openapi.json offer, and its answer to one
invalid request, asked of a real server started through the launcher on a fresh SQLite file.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonref

from taskbench import databases, launcher, registry

TASKS = "/api/v1/tasks"
# Three mistakes at once: a blank title, a string for a boolean and an unknown field.
INVALID_BODY = {"title": "   ", "done": "yes", "priority": 1}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def page_facts(response: httpx.Response) -> dict[str, Any]:
    """Status, title, which viewer, and which hosts the page loads its scripts and styles from."""
    html = response.text
    hosts = sorted(
        {urlsplit(url).netloc for url in ASSET.findall(html) if url.startswith(("http", "//"))}
    )
    title = TITLE.search(html)
    lowered = html.lower()
    viewer = "Swagger UI" if "swagger-ui" in lowered else "ReDoc" if "redoc" in lowered else None
    return {
        "status": response.status_code,
        "content_type": response.headers.get("content-type", ""),
        "title": title.group(1).strip() if title else None,
        "viewer": viewer,
        "asset_hosts": hosts,
        "works_offline": not hosts,
        "bytes": len(response.content),
    }


def _has_key(node: Any, keys: set[str]) -> bool:
    if isinstance(node, dict):
        return bool(keys & node.keys()) or any(_has_key(v, keys) for v in node.values())
    if isinstance(node, list):
        return any(_has_key(item, keys) for item in node)
    return False


def _bounded(parameter: dict[str, Any]) -> bool:
    schema = parameter.get("schema", {})
    return bool({"minimum", "maximum", "enum", "pattern"} & schema.keys()) or "anyOf" in schema


def operation_facts(
    path: str, method: str, resolved: dict[str, Any], shared: list[Any]
) -> dict[str, Any]:
    """What one operation documents, its `$ref`s resolved; `shared`: its path's parameters."""
    own = {(p.get("in"), p.get("name")) for p in resolved.get("parameters", [])}
    inherited = [p for p in shared if (p.get("in"), p.get("name")) not in own]
    errors = {
        code: sorted(response.get("content", {}))
        for code, response in resolved.get("responses", {}).items()
        if str(code)[0] in "45"
    }
    parameters = [*resolved.get("parameters", []), *inherited]
    return {
        "operation": f"{method.upper()} {path}",
        "summary": resolved.get("summary") or "",
        "has_examples": _has_key(resolved, {"example", "examples"}),
        "parameters": len(parameters),
        "bounded_parameters": sum(_bounded(p) for p in parameters),
        "error_statuses": sorted(errors),
        "problem_json_errors": sum("application/problem+json" in c for c in errors.values()),
    }


def openapi_facts(response: httpx.Response) -> dict[str, Any]:
    """The OpenAPI version and, per operation, summaries, examples, bounds and errors."""
    if response.status_code != 200:
        return {"status": response.status_code}
    spec = response.json()
    # Every $ref replaced by what it points at; keywords beside one override the target's.
    resolved = jsonref.replace_refs(spec, merge_props=True, proxies=False)
    operations = [
        operation_facts(path, method, operation, item.get("parameters", []))
        for path, item in sorted(resolved.get("paths", {}).items())
        for method, operation in item.items()
        if method in METHODS
    ]
    return {
        "status": 200,
        "openapi": spec.get("openapi"),
        "title": spec.get("info", {}).get("title"),
        "operations": operations,
        "schemas": len(spec.get("components", {}).get("schemas", {})),
        "bytes": len(response.content),
    }


def invalid_request_facts(client: httpx.Client) -> dict[str, Any]:
    """The answer to one POST whose body breaks three rules at once."""
    response = client.post(
        TASKS, content=json.dumps(INVALID_BODY), headers={"Content-Type": "application/json"}
    )
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:2000]
    return {
        "request": {"method": "POST", "path": TASKS, "body": INVALID_BODY},
        "status": response.status_code,
        "content_type": response.headers.get("content-type", ""),
        "body": body,
    }


def probe(base_url: str) -> dict[str, Any]:
    """Ask a running server for its docs pages, its OpenAPI document and one invalid request."""
    with httpx.Client(base_url=base_url, timeout=15.0) as client:
        return {
            "invalid_request": invalid_request_facts(client),
            "docs": page_facts(client.get("/docs")),
            "redoc": page_facts(client.get("/redoc")),
            "openapi": openapi_facts(client.get("/openapi.json")),
        }


def gather_one(impl: str) -> dict[str, Any]:
    """Start an implementation's default variant on a fresh SQLite file and probe it."""
    variant = registry.get(impl).default_variant.name
    log_dir = databases.VAR_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    server = launcher.ServerProcess(
        impl=impl,
        variant=variant,
        database_url=databases.fresh_database("sqlite", f"report_docs_{impl}"),
        port=launcher.free_port(),
        workers=1,
        log_path=log_dir / f"report-docs-{impl}.log",
    )
    try:
        with server:
            return {"variant": variant, **probe(server.base_url)}
    except (launcher.LaunchError, httpx.HTTPError, databases.DatabaseError) as exc:
        return {"missing": f"{variant} could not be probed: {str(exc).splitlines()[0]}"}


def gather(impls: list[str]) -> dict[str, Any]:
    """Docs and validation facts of every implementation."""
    return {
        "invalid_body": INVALID_BODY,
        "implementations": {impl: gather_one(impl) for impl in impls},
    }

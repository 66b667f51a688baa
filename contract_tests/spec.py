"""Compare an implementation's OpenAPI document with the reference `openapi.yaml`.

Each framework names its component schemas its own way, so nothing here compares names of
components: every `$ref` is resolved and what is compared is the structure a client sees,
i.e. property names and JSON types, recursively.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

REFERENCE = Path(__file__).with_name("openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_DEPTH = 10


@cache
def reference() -> dict:
    """The reference document, parsed once."""
    return yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))


def lookup(doc: dict, ref: str) -> Any:
    """The node a local JSON pointer `#/a/b` names; KeyError when there is none."""
    if not ref.startswith("#"):
        raise KeyError(f"only local references are supported: {ref}")
    node: Any = doc
    for part in ref[1:].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def resolve(doc: dict, node: Any) -> Any:
    """Follow `$ref`s; keywords beside a `$ref` (OpenAPI 3.1) override the target's."""
    for _ in range(MAX_DEPTH):
        if not (isinstance(node, dict) and "$ref" in node):
            return node
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**lookup(doc, node["$ref"]), **siblings}
    raise RecursionError("$ref chain too long")


def all_refs(node: Any) -> list[str]:
    """Every `$ref` string anywhere in a node."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in all_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in all_refs(value)]
    return []


def operations(doc: dict) -> dict[tuple[str, str], dict]:
    """Every operation as {(path, METHOD): operation}."""
    found = {}
    for path, item in (doc.get("paths") or {}).items():
        item = resolve(doc, item)
        for method in METHODS:
            if method in item:
                found[(path, method.upper())] = item[method]
    return found


def parameters(doc: dict, path: str, method: str) -> dict[tuple[str, str], dict]:
    """The parameters of an operation, path-level ones included, as {(name, in): parameter}."""
    item = resolve(doc, doc["paths"][path])
    merged = {}
    for raw in [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]:
        param = resolve(doc, raw)
        merged[(param["name"], param["in"])] = param
    return merged


def json_type(value: Any) -> str:
    """The JSON Schema type name of a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape(doc: dict, schema: Any, depth: int = 0) -> dict:
    """What a client sees of a schema: its types, and its properties' and items' shapes.

    allOf, anyOf and oneOf are merged (a nullable `anyOf: [X, {type: null}]` becomes X's types
    plus "null"); OpenAPI 3.0's `nullable: true` counts as "null".
    """
    types: set[str] = set()
    properties: dict[str, Any] = {}
    items: list[Any] = []

    def visit(node: Any, level: int) -> None:
        node = resolve(doc, node)
        if not isinstance(node, dict) or level > MAX_DEPTH:
            return
        declared = node.get("type")
        if isinstance(declared, str):
            types.add(declared)
        elif isinstance(declared, list):
            types.update(declared)
        if node.get("nullable") is True:
            types.add("null")
        if declared is None and "const" in node:
            types.add(json_type(node["const"]))
        if declared is None and "enum" in node:
            types.update(json_type(value) for value in node["enum"])
        for keyword in ("allOf", "anyOf", "oneOf"):
            for member in node.get(keyword, []):
                visit(member, level + 1)
        properties.update(node.get("properties", {}))
        if "items" in node:
            items.append(node["items"])

    visit(schema, 0)
    if not types and properties:
        types.add("object")
    if not types and items:
        types.add("array")
    result: dict[str, Any] = {"types": sorted(types)}
    if depth < MAX_DEPTH:
        if properties:
            result["properties"] = {
                name: shape(doc, sub, depth + 1) for name, sub in sorted(properties.items())
            }
        if items:
            result["items"] = shape(doc, items[0], depth + 1)
    return result


def differences(expected: dict, actual: dict, where: str) -> list[str]:
    """How the shape `actual` differs from `expected`, one line per difference."""
    found = []
    if expected["types"] != actual["types"]:
        found.append(f"{where}: types {actual['types']}, expected {expected['types']}")
    want, have = expected.get("properties", {}), actual.get("properties", {})
    if set(want) != set(have):
        found.append(f"{where}: properties {sorted(have)}, expected {sorted(want)}")
    for name in sorted(set(want) & set(have)):
        found += differences(want[name], have[name], f"{where}.{name}")
    if "items" in expected or "items" in actual:
        if "items" not in actual or "items" not in expected:
            found.append(f"{where}[]: items documented on one side only")
        else:
            found += differences(expected["items"], actual["items"], f"{where}[]")
    return found


def parameter_summary(doc: dict, param: dict) -> dict:
    """A parameter's non-null types and, for a query parameter, its numeric bounds."""
    schema = resolve(doc, param.get("schema", {}))
    summary: dict[str, Any] = {"types": [t for t in shape(doc, schema)["types"] if t != "null"]}
    if param["in"] == "query":
        summary["minimum"] = bound(doc, schema, "minimum")
        summary["maximum"] = bound(doc, schema, "maximum")
    return summary


def bound(doc: dict, schema: dict, which: str) -> int | float | None:
    """The inclusive bound of an integer schema, found through anyOf/allOf members too.

    An OpenAPI 3.1 `exclusiveMinimum: 0` on an integer is the inclusive `minimum: 1`.
    """
    schema = resolve(doc, schema)
    exclusive = "exclusiveMinimum" if which == "minimum" else "exclusiveMaximum"
    step = 1 if which == "minimum" else -1
    if isinstance(schema.get(exclusive), int | float) and not isinstance(schema[exclusive], bool):
        return schema[exclusive] + step
    if which in schema:
        if schema.get(exclusive) is True:  # OpenAPI 3.0
            return schema[which] + step
        return schema[which]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for member in schema.get(keyword, []):
            found = bound(doc, member, which)
            if found is not None:
                return found
    return None


def media_schemas(doc: dict, holder: dict) -> dict[str, dict | None]:
    """{media type: shape, or None when it has no schema} of a request body or a response."""
    holder = resolve(doc, holder)
    content = holder.get("content") or {}
    return {
        media: shape(doc, body["schema"]) if body.get("schema") else None
        for media, body in content.items()
    }


def compare_media(want: dict, have: dict, where: str) -> list[str]:
    """How a documented {media type: shape} differs from the reference one.

    The reference's media type must be documented; every media type documented must carry
    the reference's schema.
    """
    found = []
    (media, expected), *_ = want.items()
    if media not in have:
        found.append(f"{where}: media types {sorted(have)}, expected {media}")
    for documented, actual in have.items():
        if actual is None:
            found.append(f"{where} {documented}: no schema")
        else:
            found += differences(expected, actual, f"{where} {documented}")
    return found


def checked_responses(doc: dict, operation: dict) -> dict[str, dict]:
    """The 2xx and 4xx responses of an operation, resolved, by status code."""
    return {
        str(code): resolve(doc, response)
        for code, response in (operation.get("responses") or {}).items()
        if str(code)[0] in "24"
    }


def has_example(doc: dict, node: Any, depth: int = 0) -> bool:
    """Whether an `example` or `examples` appears in a node, following `$ref`s."""
    node = resolve(doc, node)
    if depth > MAX_DEPTH:
        return False
    if isinstance(node, dict):
        if node.get("example") is not None or node.get("examples"):
            return True
        return any(has_example(doc, value, depth + 1) for value in node.values())
    if isinstance(node, list):
        return any(has_example(doc, value, depth + 1) for value in node)
    return False


# The schemas of what the servers send, compared field by field across documents

# Where each compared schema is found in any document: (path, method, status, media type).
SENT_SCHEMAS = {
    "Task": ("/api/v1/tasks/{id}", "get", "200", "application/json"),
    "Page": ("/api/v1/tasks", "get", "200", "application/json"),
    "Problem": ("/api/v1/tasks/{id}", "get", "404", "application/problem+json"),
    "ValidationProblem": ("/api/v1/tasks", "post", "422", "application/problem+json"),
}
# What is compared of every field: JSON Schema keywords a generated client turns into types,
# formats and checks.
FIELD_KEYWORDS = ("format", "minimum", "maximum", "minLength", "maxLength", "pattern", "enum")


def sent_schema(doc: dict, name: str) -> dict:
    """The schema of one kind of answer, found through the operation that sends it."""
    path, method, status, media = SENT_SCHEMAS[name]
    response = resolve(doc, doc["paths"][path][method]["responses"][status])
    return resolve(doc, response["content"][media]["schema"])


def merged(doc: dict, schema: Any, depth: int = 0) -> dict:
    """A schema with `$ref`s followed and allOf members merged into one object schema."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return {}
    result = {key: value for key, value in schema.items() if key != "allOf"}
    for member in schema.get("allOf", []):
        part = merged(doc, member, depth + 1)
        result["properties"] = {**part.get("properties", {}), **result.get("properties", {})}
        result["required"] = sorted({*part.get("required", []), *result.get("required", [])})
        for key, value in part.items():
            result.setdefault(key, value)
    return result


def field_rules(doc: dict, schema: Any, depth: int = 0) -> dict[str, Any]:
    """What a schema says of a value: its types and the FIELD_KEYWORDS, nullable branches merged.

    `const: x` counts as `enum: [x]`; a `type: null` branch of an anyOf or oneOf adds "null".
    """
    node = merged(doc, schema)
    rules: dict[str, Any] = {"types": shape(doc, node)["types"]}
    branches = [merged(doc, b) for b in node.get("anyOf", []) + node.get("oneOf", [])]
    for source in [node, *(b for b in branches if b.get("type") != "null")]:
        for keyword in FIELD_KEYWORDS:
            if keyword in source:
                rules.setdefault(keyword, source[keyword])
        if "const" in source:
            rules.setdefault("enum", [source["const"]])
    return rules


def fields_of(doc: dict, schema: Any, prefix: str = "", depth: int = 0) -> dict[str, dict]:
    """Every field of an object schema, nested ones as `items.id`, with `required` and its rules."""
    node = merged(doc, schema)
    required = set(node.get("required", []))
    found: dict[str, dict] = {}
    for name, sub in sorted(node.get("properties", {}).items()):
        where = f"{prefix}{name}"
        found[where] = {"required": name in required, **field_rules(doc, sub)}
        inner = merged(doc, sub)
        if depth < 3 and "items" in inner:
            found.update(fields_of(doc, inner["items"], f"{where}.", depth + 1))
        elif depth < 3 and inner.get("properties"):
            found.update(fields_of(doc, inner, f"{where}.", depth + 1))
    return found


def schema_differences(doc: dict, reference_doc: dict, name: str) -> list[dict[str, Any]]:
    """How a document's schema `name` differs from the reference's, one entry per keyword."""
    want = fields_of(reference_doc, sent_schema(reference_doc, name))
    have = fields_of(doc, sent_schema(doc, name))
    found = []
    for field in sorted(set(want) | set(have)):
        expected, actual = want.get(field, {}), have.get(field, {})
        for keyword in sorted(set(expected) | set(actual)):
            if expected.get(keyword) != actual.get(keyword):
                found.append(
                    {
                        "schema": name,
                        "field": field,
                        "keyword": keyword,
                        "reference": expected.get(keyword),
                        "document": actual.get(keyword),
                    }
                )
    return found

"""/openapi.json agrees with the reference openapi.yaml; /docs and /redoc render it.

Schemas are compared by what a client sees (every `$ref` resolved), never by component names,
which each framework chooses its own way. For query parameters a "null" type is ignored,
since a query string cannot carry JSON null; in bodies it counts.
"""

import random
import re
import sys

import pytest

from contract_tests import spec
from contract_tests.helpers import describe, media_type

REFERENCE = spec.reference()
OPERATIONS = sorted(spec.operations(REFERENCE))
OPERATION_IDS = [f"{method} {path}" for path, method in OPERATIONS]


@pytest.fixture
def served(api) -> dict:
    """The implementation's own OpenAPI document."""
    response = api.get("/openapi.json")
    assert response.status_code == 200, describe(response)
    assert media_type(response) == "application/json", describe(response)
    return response.json()


def served_operation(served: dict, path: str, method: str) -> dict:
    operation = spec.operations(served).get((path, method))
    assert operation is not None, f"/openapi.json does not document {method} {path}"
    return operation


WRITES = [(path, method) for path, method in OPERATIONS if method in ("POST", "PUT", "PATCH")]
TITLE_PATTERN = REFERENCE["components"]["schemas"]["Title"]["pattern"]


def contract_accepts(title: str) -> bool:
    """CONTRACT.md's title rule, applied to a title as sent."""
    kept = title.strip()
    return 1 <= len(kept) <= 200 and not any(c < " " or c == "\x7f" for c in kept)


def request_title(doc: dict, operation: dict) -> dict:
    """The schema of `title` in an operation's JSON request body, every `$ref` resolved."""
    body = spec.resolve(doc, operation["requestBody"])
    schema = spec.resolve(doc, body["content"]["application/json"]["schema"])
    title = spec.resolve(doc, schema["properties"]["title"])
    # A PATCH may wrap it as anyOf [title, null] or similar; take the string branch.
    for branch in title.get("anyOf", []) + title.get("oneOf", []):
        if spec.resolve(doc, branch).get("type") == "string":
            return spec.resolve(doc, branch)
    return title


# The reference document itself


def test_title_pattern_accepts_exactly_what_the_contract_accepts():
    pattern = re.compile(TITLE_PATTERN)
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    alphabet = [*spaces, *map(chr, range(0x20)), "\x7f", "a", "Z", "é", "😀", "\ufeff", "\u200b"]
    rng = random.Random(20261122)
    titles = ["a" * 200, " " + "a" * 200 + "\u3000", "a" * 201, "\x1cBuy\x1d", " \t ", "a\tb"]
    for _ in range(20_000):
        length = rng.choice([0, 1, 2, 3, 8, 199, 200, 201, 203])
        titles.append("".join(rng.choice(alphabet) for _ in range(length)))
    for title in titles:
        assert bool(pattern.search(title)) == contract_accepts(title), repr(title)


def test_reference_document_is_openapi_3_1():
    assert REFERENCE["openapi"].startswith("3.1.")
    assert set(REFERENCE["paths"]) == {"/health", "/api/v1/tasks", "/api/v1/tasks/{id}"}


def test_reference_document_refs_all_resolve():
    for ref in spec.all_refs(REFERENCE):
        assert spec.lookup(REFERENCE, ref) is not None, ref


def test_reference_document_examples_match_its_schemas():
    jsonschema = pytest.importorskip("jsonschema")
    components = {"components": REFERENCE["components"]}
    checked = 0
    for path, method in OPERATIONS:
        operation = REFERENCE["paths"][path][method.lower()]
        holders = [operation.get("requestBody", {}), *operation["responses"].values()]
        for holder in holders:
            for body in spec.resolve(REFERENCE, holder).get("content", {}).values():
                schema = {**components, **body["schema"]}
                for example in body.get("examples", {}).values():
                    jsonschema.validate(example["value"], schema)
                    checked += 1
    assert checked >= 15


# The served document


def test_the_served_document_is_the_one_the_clients_are_made_from(
    served, server, openapi_documents
):
    # The document tests and the generated clients read each implementation's document from a
    # server started for that alone, on SQLite (contract_tests/documents.py): every server
    # tested, on either database, serves that same document.
    made = openapi_documents.get(server.impl, openapi_documents.get("served"))

    assert served == made


def test_openapi_json_is_an_openapi_3_document(served):
    assert isinstance(served.get("openapi"), str)
    assert served["openapi"].startswith("3.")
    assert isinstance(served.get("info"), dict)
    assert isinstance(served.get("paths"), dict)


def test_openapi_documents_exactly_the_contract_paths(served):
    assert set(served["paths"]) == set(REFERENCE["paths"])


@pytest.mark.parametrize("path", sorted(REFERENCE["paths"]))
def test_openapi_documents_exactly_the_contract_methods(served, path):
    expected = {m for p, m in OPERATIONS if p == path}

    documented = {m for p, m in spec.operations(served) if p == path}

    assert documented == expected


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_openapi_parameters_agree(served, path, method):
    served_operation(served, path, method)
    expected = spec.parameters(REFERENCE, path, method)

    documented = spec.parameters(served, path, method)

    assert sorted(documented) == sorted(expected)
    problems = []
    for (name, location), param in expected.items():
        want = spec.parameter_summary(REFERENCE, param)
        have = spec.parameter_summary(served, documented[(name, location)])
        if have != want:
            problems.append(f"{location} parameter {name}: documented {have}, expected {want}")
    assert not problems, "\n".join(problems)


def test_openapi_operation_ids_and_tags_agree(served):
    expected = {
        key: (op["operationId"], op["tags"]) for key, op in spec.operations(REFERENCE).items()
    }

    documented = {
        key: (op.get("operationId"), op.get("tags")) for key, op in spec.operations(served).items()
    }

    assert documented == expected


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_openapi_request_body_agrees(served, path, method):
    operation = served_operation(served, path, method)
    expected = REFERENCE["paths"][path][method.lower()].get("requestBody")

    documented = operation.get("requestBody")

    if expected is None:
        assert documented is None
        return
    assert documented is not None, f"{method} {path} documents no request body"
    want = spec.media_schemas(REFERENCE, expected)
    have = spec.media_schemas(served, documented)
    assert set(have) == set(want), "request media types: only application/json is accepted"
    problems = spec.compare_media(want, have, f"{method} {path} request body")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_openapi_response_status_codes_agree(served, path, method):
    operation = served_operation(served, path, method)
    expected = spec.checked_responses(REFERENCE, REFERENCE["paths"][path][method.lower()])

    documented = spec.checked_responses(served, operation)

    assert sorted(documented) == sorted(expected)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_openapi_response_schemas_agree(served, path, method):
    operation = served_operation(served, path, method)
    expected = spec.checked_responses(REFERENCE, REFERENCE["paths"][path][method.lower()])
    documented = spec.checked_responses(served, operation)

    problems = []
    for code in sorted(set(expected) & set(documented)):
        want = spec.media_schemas(REFERENCE, expected[code])
        have = spec.media_schemas(served, documented[code])
        where = f"{method} {path} {code}"
        if not want:
            if have:
                problems.append(f"{where}: documents a body {sorted(have)}, expected none")
            continue
        problems += spec.compare_media(want, have, where)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_openapi_documents_every_error_as_problem_json(served, path, method):
    operation = served_operation(served, path, method)

    errors = {
        code: spec.media_schemas(served, response)
        for code, response in spec.checked_responses(served, operation).items()
        if code.startswith("4")
    }

    wrong = {code: sorted(media) for code, media in errors.items()}
    wrong = {
        code: media for code, media in wrong.items() if "application/problem+json" not in media
    }
    assert not wrong, f"{method} {path}: error responses without application/problem+json"


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
def test_openapi_has_examples_for_request_and_success_bodies(served, path, method):
    operation = served_operation(served, path, method)
    bodies = []
    if "requestBody" in operation:
        bodies.append(("request body", operation["requestBody"]))
    for code, response in spec.checked_responses(served, operation).items():
        if code.startswith("2") and response.get("content"):
            bodies.append((f"response {code}", response))

    missing = [name for name, body in bodies if not spec.has_example(served, body)]

    assert not missing, f"{method} {path}: no example for {', '.join(missing)}"


# The documentation pages


def test_docs_serves_swagger_ui_for_openapi_json(api):
    response = api.get("/docs")

    assert response.status_code == 200, describe(response)
    assert media_type(response) == "text/html"
    assert "swagger-ui" in response.text.lower()
    assert "/openapi.json" in response.text


def test_redoc_serves_redoc_for_openapi_json(api):
    response = api.get("/redoc")

    assert response.status_code == 200, describe(response)
    assert media_type(response) == "text/html"
    assert "redoc" in response.text.lower()
    assert "/openapi.json" in response.text


@pytest.mark.parametrize(("path", "method"), WRITES, ids=[f"{m} {p}" for p, m in WRITES])
def test_request_bodies_are_required_closed_and_carry_the_title_pattern(served, path, method):
    operation = served_operation(served, path, method)
    body = spec.resolve(served, operation["requestBody"])
    schema = spec.resolve(served, body["content"]["application/json"]["schema"])

    assert body.get("required") is True, f"{method} {path}: the body must be required"
    assert schema.get("additionalProperties") is False, f"{method} {path}: unknown fields"
    title = request_title(served, operation)
    assert title.get("pattern") == TITLE_PATTERN
    # The whitespace around a title does not count, so the title as sent has no maximum.
    assert "maxLength" not in title

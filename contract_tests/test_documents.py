"""The four OpenAPI documents describe alike what the servers send, field by field.

openapi.yaml and each implementation's /openapi.json are compared on the Task, Page, Problem and
ValidationProblem schemas: every field's types, format, whether it is required, its bounds and
its string rules. A document may differ only where its framework cannot express a rule, and
each such place is listed, with its reason, under `document_differences` in
reports/conformance.yaml.
"""

from pathlib import Path

import pytest
import yaml

from contract_tests import spec

LISTED = Path(__file__).resolve().parent.parent / "reports" / "conformance.yaml"
KEYS = ("schema", "field", "keyword", "reference", "document")


def listed_differences(document_name: str) -> list[dict]:
    """The differences reports/conformance.yaml allows a document, without their reasons.

    A deployment tested by --base-url may be any implementation: any listed one is allowed.
    """
    listed = yaml.safe_load(LISTED.read_text(encoding="utf-8"))["document_differences"]
    entries = [
        e for impl, found in listed.items() if document_name in (impl, "served") for e in found
    ]
    for entry in entries:
        assert entry.get("reason", "").strip(), f"{entry}: a listed difference says why"
    return [{key: entry[key] for key in KEYS} for entry in entries]


def test_the_reference_describes_the_contracts_bounds():
    task = spec.fields_of(spec.reference(), spec.sent_schema(spec.reference(), "Task"))

    assert task["id"] == {
        "required": True,
        "types": ["integer"],
        "format": "int64",
        "minimum": 1,
        "maximum": 2**63 - 1,
    }
    assert task["created_at"]["format"] == "date-time"
    assert (task["title"]["minLength"], task["title"]["maxLength"]) == (1, 200)


@pytest.mark.parametrize("schema", spec.SENT_SCHEMAS)
def test_every_schema_names_its_fields_and_their_rules(openapi_documents, schema):
    reference = openapi_documents["reference"]

    fields = spec.fields_of(reference, spec.sent_schema(reference, schema))

    assert fields, f"openapi.yaml documents no field of {schema}"
    assert all(rules["types"] for rules in fields.values()), fields


def test_documents_differ_only_where_listed(openapi_documents, document_name):
    reference = openapi_documents["reference"]
    document = openapi_documents[document_name]

    found = [
        difference
        for schema in spec.SENT_SCHEMAS
        for difference in spec.schema_differences(document, reference, schema)
    ]

    listed = listed_differences(document_name)
    unlisted = [d for d in found if d not in listed]
    gone = [d for d in listed if d not in found]
    if document_name == "served":
        gone = []  # the list is the union of every implementation's
    assert not unlisted, f"differences not listed in reports/conformance.yaml: {unlisted}"
    assert not gone, f"listed in reports/conformance.yaml but no longer found: {gone}"

"""The contract suite's pass matrix, implementation x database, read from pytest's JUnit XML.

The contract suite's test ids start with the target: `test_x[fastapi-sqlite-...]`, or
`test_x[fastapi-gunicorn-sync]` for the tests that start every server variant on SQLite.
Besides the matrix, each implementation's counts per test module (`test_hostile_input`), over
every column, feed the report's reliability table; and the generated-client tests
(`test_a_generated_client_works_against_the_server[flask-sqlite-django-document-openapi-generator]`:
server, database, document, generator) are counted per generator, document and server, over
every database, for the docs section.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

DATABASES = ("sqlite", "postgresql")
VARIANTS = "variants"
OUTCOMES = ("passed", "failed", "skipped")
MAX_LISTED = 12
GENERATED_CLIENTS = "test_a_generated_client_works_against_the_server"
# The reference document (contract_tests/openapi.yaml), beside each implementation's own.
REFERENCE = "reference"
CLIENT_PAIR = re.compile(
    r"^(?P<server>[a-z]+)-(?:sqlite|postgresql)-(?P<document>[a-z]+)-document-(?P<generator>.+)$"
)


def target_of(test_id: str, impls: list[str]) -> tuple[str | None, str | None]:
    """(implementation, database or 'variants') from a test id; (None, None) for suite tests."""
    if "[" not in test_id:
        return None, None
    tokens = test_id.split("[", 1)[1].rstrip("]").split("-")
    if tokens[0] not in impls:
        return None, None
    if len(tokens) > 1 and tokens[1] in DATABASES:
        return tokens[0], tokens[1]
    return tokens[0], VARIANTS


def _outcome(case: ET.Element) -> tuple[str, str | None]:
    for tag, outcome in (("failure", "failed"), ("error", "failed"), ("skipped", "skipped")):
        found = case.find(tag)
        if found is not None:
            return outcome, (found.get("message") or "").strip()[:300]
    return "passed", None


def _cell() -> dict[str, Any]:
    return {**dict.fromkeys(OUTCOMES, 0), "failures": [], "skip_reasons": []}


def module_of(case: ET.Element) -> str:
    """The test module of a JUnit test case: the last part of its classname."""
    return (case.get("classname") or "").rsplit(".", 1)[-1]


def client_pair_of(test_id: str, impls: list[str]) -> tuple[str, str, str] | None:
    """(generator, document, server) of a generated-client test id; None for any other test."""
    if not test_id.startswith(f"{GENERATED_CLIENTS}["):
        return None
    found = CLIENT_PAIR.match(test_id.split("[", 1)[1].rstrip("]"))
    if not found or found["server"] not in impls:
        return None
    if found["document"] not in (REFERENCE, *impls):
        return None
    return found["generator"], found["document"], found["server"]


def _count(counts: dict[str, Any], outcome: str, message: str | None, name: str) -> None:
    counts[outcome] += 1
    if outcome == "failed" and len(counts["failures"]) < MAX_LISTED:
        counts["failures"].append(f"{name}: {message}")
    elif outcome == "skipped" and message not in counts["skip_reasons"]:
        counts["skip_reasons"].append(message)


def parse(path: Path, impls: list[str]) -> dict[str, Any]:
    """Counts per implementation and column, with the failed tests and why tests were skipped."""
    root = ET.parse(path).getroot()  # noqa: S314 - pytest's own output, read locally
    matrix = {impl: {col: _cell() for col in (*DATABASES, VARIANTS)} for impl in impls}
    suite = _cell()
    modules: dict[str, dict[str, dict[str, Any]]] = {impl: {} for impl in impls}
    clients: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    total_seconds = 0.0
    for case in root.iter("testcase"):
        name = case.get("name", "")
        total_seconds += float(case.get("time") or 0)
        impl, column = target_of(name, impls)
        cell = matrix[impl][column] if impl and column else suite
        outcome, message = _outcome(case)
        module = module_of(case)
        cell[outcome] += 1
        if outcome == "failed" and len(cell["failures"]) < MAX_LISTED:
            cell["failures"].append(f"{module}::{name}: {message}")
        elif outcome == "skipped" and message not in cell["skip_reasons"]:
            cell["skip_reasons"].append(message)
        if impl:
            counts = modules[impl].setdefault(
                module, {**dict.fromkeys(OUTCOMES, 0), "skip_reasons": []}
            )
            counts[outcome] += 1
            if outcome == "skipped" and message not in counts["skip_reasons"]:
                counts["skip_reasons"].append(message)
        if pair := client_pair_of(name, impls):
            generator, document, server = pair
            found = clients.setdefault(generator, {}).setdefault(document, {})
            _count(found.setdefault(server, _cell()), outcome, message, name)
    return {
        "source": path.name,
        "columns": [*DATABASES, VARIANTS],
        "matrix": matrix,
        "suite": suite,
        "modules": {impl: dict(sorted(found.items())) for impl, found in modules.items()},
        "seconds": round(total_seconds, 1),
        "generated_clients": {
            generator: {
                document: {s: found[document][s] for s in impls if s in found[document]}
                for document in (REFERENCE, *impls)
                if document in found
            }
            for generator, found in sorted(clients.items())
        },
    }


def gather(path: Path, impls: list[str]) -> dict[str, Any] | None:
    """The pass matrix, or None when the suite's JUnit XML is not there."""
    return parse(path, impls) if path.exists() else None

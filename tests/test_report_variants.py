"""Every registered variant appears, and variants are compared within their framework."""

from __future__ import annotations

import copy
from typing import Any

from reports import results, sections, variants
from reports.fmt import RANGE
from tests.helpers import read_fixture

DOC = read_fixture("results.json")


def with_gthread(rps: float) -> dict[str, Any]:
    """The fixture with Flask's gunicorn-gthread measured at read and mixed, 32 users."""
    doc = copy.deepcopy(DOC)
    flask = next(e for e in doc["implementations"] if e["impl"] == "flask")
    flask["variants"][1].update(status="benchmarked", reason=None)
    session = copy.deepcopy(next(s for s in doc["sessions"] if s["impl"] == "flask"))
    session.update(variant="gunicorn-gthread", worker_model="gthread", workers=2, threads=4)
    doc["sessions"].append(session)
    for record in list(doc["records"]):
        if record["impl"] == "flask" and record["users"] == 32 and record["load_model"] == "closed":
            again = copy.deepcopy(record)
            again["variant"] = "gunicorn-gthread"
            again["requests_per_second"] = rps * (1 + again["repeat"] / 100)
            doc["records"].append(again)
    return doc


def rows(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    view = sections.variant_view(results.parse(doc))
    return {(r["framework"], r["variant"]): r for r in view["rows"]}


def test_every_registered_variant_appears_measured_or_not() -> None:
    found = rows(DOC)

    assert found[("FastAPI", "gunicorn-uvicorn")]["reason"] == "not planned"
    assert found[("Flask", "gunicorn-gthread")]["reason"] == "not planned"
    assert found[("Django REST Framework", "uvicorn-asgi")]["reason"].startswith("smoke check")
    assert found[("Flask", "which leads")]["cells"][0]["text"] == "one variant measured"


def test_a_variant_clear_of_the_others_leads_its_framework_with_its_workers() -> None:
    found = rows(with_gthread(2_000))

    gthread, sync = found[("Flask", "gunicorn-gthread")], found[("Flask", "gunicorn-sync")]
    assert gthread["workers"] == "2 gthread workers x 4 threads"
    assert [c["rank"] for c in gthread["cells"]] == [1, 1]
    assert [c["rank"] for c in sync["cells"]] == [2, 2]
    assert gthread["cells"][0]["text"] == f"2,040 req/s (2,020{RANGE}2,060, 3 rounds) at 32 users"
    assert [c["text"] for c in found[("Flask", "which leads")]["cells"]] == [
        "gunicorn-gthread leads",
        "gunicorn-gthread leads",
    ]


def test_variants_whose_rounds_overlap_tie() -> None:
    found = rows(with_gthread(1_230))

    leads = [c["text"] for c in found[("Flask", "which leads")]["cells"]]
    assert leads[0] == "tie between gunicorn-sync, gunicorn-gthread"
    assert found[("Flask", "gunicorn-gthread")]["cells"][0]["flags"] == ["tie"]


def test_the_highest_database_latency_joins_the_columns() -> None:
    doc = copy.deepcopy(DOC)
    for record in list(doc["records"]):
        if record["scenario"] == "read":
            doc["records"].append({**copy.deepcopy(record), "db_latency_ms": 100})

    found = variants.columns(results.parse(doc))

    assert [c.title for c in found] == [
        "read, 0 ms added",
        "mixed, 0 ms added",
        "read, 100 ms added",
    ]

"""The report rendered from a small fixture run: what it shows, in what order, and how."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from reports import render
from reports.fmt import RANGE

FIXTURES = Path(__file__).parent / "fixtures" / "report"
SCHEMA = Path(__file__).parent.parent / "benchmarks" / "results.schema.json"
IMPLEMENTATIONS = ("FastAPI", "Flask", "Django REST Framework")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture report, rendered once for the module."""
    out = tmp_path_factory.mktemp("report")
    return render.report_dir(FIXTURES / "results.json", FIXTURES / "facts.json", out)


@pytest.fixture(scope="module")
def markdown(rendered: dict[str, Path]) -> str:
    return rendered["md"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def html(rendered: dict[str, Path]) -> str:
    return rendered["html"].read_text(encoding="utf-8")


def verdict_rows(markdown: str) -> dict[str, str]:
    """The verdict table's rows by dimension title."""
    section = markdown.split("## Verdict", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    titles = [re.sub(r" \((higher|lower) is better\)$", "", r.split(" | ")[0][2:]) for r in rows]
    return dict(zip(titles[1:], rows[1:], strict=True))


def test_fixture_follows_the_benchmark_results_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads((FIXTURES / "results.json").read_text()), schema)


def test_report_leads_with_the_verdict_then_the_evidence(markdown: str) -> None:
    headings = re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE)

    assert headings == [
        "Verdict",
        "Performance",
        "Correctness",
        "Code",
        "Dependencies",
        "Docs and validation",
        "Claims checked",
        "Reproduce",
    ]


def test_verdict_ranks_every_implementation_with_its_figure_and_unit(markdown: str) -> None:
    rows = verdict_rows(markdown)

    assert rows["Peak throughput, mixed"].count("req/s") == 3
    assert "**1** · 1,089 req/s" in rows["Peak throughput, mixed"]
    assert "**3** · 556 req/s" in rows["Peak throughput, mixed"]
    assert rows["p99 latency at 100 req/s offered, mixed"].count(" ms") == 3
    assert rows["Server CPU per 1,000 requests, mixed"].count("CPU-s") == 3
    assert rows["Server memory, all workers, mixed"].count("MiB") == 3
    assert rows["Startup to first healthy answer"].count(" s ") >= 3
    assert rows["Installed size of its dependencies"].count("MiB") == 3
    assert "| dimension | FastAPI | Flask | Django REST Framework |" in markdown


def test_client_bound_figure_is_marked_wherever_it_appears(markdown: str, html: str) -> None:
    rows = verdict_rows(markdown)

    assert "*(client-bound)*" in rows["Framework floor (GET /health)"]
    assert f"4,816 req/s (4,722{RANGE}4,846, 3 runs) *(client-bound)*" in markdown
    assert 'class="flag flag-client-bound">client-bound</span>' in html


def test_spread_across_repeats_is_shown_beside_each_median(markdown: str) -> None:
    assert (
        f"| Flask (gunicorn-sync) | mixed | 32 users | 915 req/s (893{RANGE}932, 3 runs) |"
        in markdown
    )
    assert "p99 at 100 req/s offered (mixed)" in markdown


def test_failed_variant_and_run_status_are_reported_not_ranked(markdown: str) -> None:
    assert "**Run status: failed.**" in markdown
    assert (
        "- Django REST Framework (uvicorn-asgi): smoke check: GET /api/v1/tasks answered 500"
        in (markdown)
    )
    assert "uvicorn-asgi" not in markdown.split("## Verdict", 1)[1].split("## Performance")[0]


def test_contract_matrix_shows_failures_and_skips(markdown: str) -> None:
    assert "| Flask | 1/2 passed **FAILED** | 1/1 passed | 1/1 passed |" in markdown
    assert "| Django REST Framework | 2/2 passed | not run, 2 skipped | 2/2 passed |" in markdown
    assert "test_validation::test_title_is_stripped[flask-sqlite" in markdown


def test_code_and_conformance_come_from_the_facts(markdown: str) -> None:
    assert "Counted by radon 6.0.1" in markdown
    assert "**FastAPI: 18 adjustments in" in markdown
    assert "[`fastapi_impl/middleware.py:" in markdown


def test_invalid_request_answers_stand_side_by_side(markdown: str, html: str) -> None:
    section = markdown.split("### One invalid request, three answers", 1)[1]

    for title in IMPLEMENTATIONS:
        assert f"**{title}**: 422, `application/problem+json`" in section
    assert html.count('<div class="side-by-side">') == 1


def test_every_claim_has_a_verdict_from_the_rules(markdown: str) -> None:
    section = markdown.split("## Claims checked", 1)[1].split("## Reproduce")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]

    assert len(rows) == 1 + 9
    verdicts = [row.split(" | ")[2] for row in rows[1:]]
    kinds = ("**supported", "**not supported", "**depends", "**not measured")
    assert all(v.startswith(kinds) for v in verdicts)
    assert "| FastAPI handles 10,000+ requests per second." in section


def test_reproduce_gives_machine_commit_and_commands(markdown: str) -> None:
    section = markdown.split("## Reproduce", 1)[1]

    assert "| CPU | Example CPU @ 2.20GHz, 2 cores |" in section
    assert "| commit | 0123456789abcdef0123456789abcdef01234567 |" in section
    assert "python3 -m nox -s compare -- --database-url postgresql://127.0.0.1:5432/postgres" in (
        section
    )
    assert "Absolute figures belong to this machine" in section


def test_every_markdown_chart_is_an_svg_file_beside_it(rendered: dict[str, Path]) -> None:
    markdown = rendered["md"].read_text(encoding="utf-8")
    linked = re.findall(r"!\[[^\]]+\]\((charts/[^)]+\.svg)\)", markdown)

    assert len(linked) == 9
    for link in linked:
        svg = (rendered["md"].parent / link).read_text(encoding="utf-8")
        assert svg.startswith("<?xml")
        assert "<svg" in svg


def test_html_holds_every_chart_inline_and_loads_nothing(html: str) -> None:
    charts = re.findall(r'<figure class="chart" id="chart-([^"]+)"', html)

    assert len(charts) == 9
    assert html.count("<svg") == 9
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_rendering_twice_gives_the_same_bytes(rendered: dict[str, Path], tmp_path: Path) -> None:
    again = render.report_dir(FIXTURES / "results.json", FIXTURES / "facts.json", tmp_path)

    for kind in ("md", "html"):
        assert again[kind].read_bytes() == rendered[kind].read_bytes()
    for chart in sorted(rendered["charts"].iterdir()):
        assert (again["charts"] / chart.name).read_bytes() == chart.read_bytes()


def test_facts_not_gathered_are_said_to_be_not_measured(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"fuzz": {"not_measured": "not wired in yet"}}))

    written = render.report_dir(FIXTURES / "results.json", facts, tmp_path / "out")
    markdown = written["md"].read_text(encoding="utf-8")

    assert "Contract suite: not gathered for this run." in markdown
    assert "**Property-based fuzzing (schemathesis):** not wired in yet." in markdown
    assert "| Lines of code, without migrations (lower is better) | not measured |" in markdown
    assert "| Flask needs manual validation. |" in markdown
    assert "**not measured**" in markdown

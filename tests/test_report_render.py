"""The report rendered from a small fixture run: what it shows, in what order, and how."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest

from reports import render, verdict
from reports.fmt import RANGE
from tests.helpers import REPORT_FIXTURES, read_fixture

SCHEMA = Path(__file__).parent.parent / "benchmarks" / "results.schema.json"
IMPLEMENTATIONS = ("FastAPI", "Flask", "Django REST Framework")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture report, rendered once for the module."""
    out = tmp_path_factory.mktemp("report")
    return render.report_dir(REPORT_FIXTURES / "results.json", REPORT_FIXTURES / "facts.json", out)


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
    jsonschema.validate(read_fixture("results.json"), schema)


def test_report_leads_with_what_to_choose_then_the_verdict_then_the_evidence(
    markdown: str,
) -> None:
    headings = re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE)

    assert headings == [
        "What to choose",
        "Verdict",
        "Performance",
        "When the database takes its time",
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
    assert f"4,816 req/s (4,722{RANGE}4,846, 3 rounds) *(client-bound)*" in markdown
    assert 'class="flag flag-client-bound">client-bound</span>' in html


def test_spread_across_repeats_is_shown_beside_each_median(markdown: str) -> None:
    assert (
        f"| Flask (gunicorn-sync) | mixed | 32 users | 915 req/s (893{RANGE}932, 3 rounds) |"
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
    assert "| Flask | 13/15 passed **FAILED** | 2/2 passed | 1/1 passed |" in markdown
    assert "| Django REST Framework | 15/15 passed | not run, 4 skipped | 2/2 passed |" in markdown
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

    assert len(rows) == 1 + 10
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

    assert len(linked) == 10
    for link in linked:
        svg = (rendered["md"].parent / link).read_text(encoding="utf-8")
        assert svg.startswith("<?xml")
        assert "<svg" in svg


def test_html_holds_every_chart_inline_and_loads_nothing(html: str) -> None:
    charts = re.findall(r'<figure class="chart" id="chart-([^"]+)"', html)

    assert len(charts) == 10
    assert html.count("<svg") == 10
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_rendering_twice_gives_the_same_bytes(rendered: dict[str, Path], tmp_path: Path) -> None:
    again = render.report_dir(
        REPORT_FIXTURES / "results.json", REPORT_FIXTURES / "facts.json", tmp_path
    )

    for kind in ("md", "html"):
        assert again[kind].read_bytes() == rendered[kind].read_bytes()
    for chart in sorted(rendered["charts"].iterdir()):
        assert (again["charts"] / chart.name).read_bytes() == chart.read_bytes()


def test_facts_not_gathered_are_said_to_be_not_measured(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"fuzz": {"not_measured": "not wired in yet"}}))

    written = render.report_dir(REPORT_FIXTURES / "results.json", facts, tmp_path / "out")
    markdown = written["md"].read_text(encoding="utf-8")

    assert "Contract suite: not gathered for this run." in markdown
    assert "| Schemathesis against its own /openapi.json | not measured: not wired in yet |" in (
        markdown
    )
    assert "| Lines of code, without migrations (lower is better) | not measured |" in markdown
    assert "| Flask needs manual validation. |" in markdown
    assert "**not measured**" in markdown


def reliability_rows(markdown: str) -> dict[str, list[str]]:
    """The reliability table's cells by check, the source column left out."""
    section = markdown.split("### Reliability", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows[1:]]
    return {c[0]: c[1:-1] for c in cells}


def starting(rows: dict[str, list[str]], start: str) -> list[str]:
    """The cells of the one check whose title starts so."""
    (found,) = [cells for title, cells in rows.items() if title.startswith(start)]
    return found


def rendered_with(facts: dict, out: Path) -> tuple[str, str]:
    """The fixture run rendered with other facts: (Markdown, HTML)."""
    path = out / "facts.json"
    path.write_text(json.dumps(facts), encoding="utf-8")
    written = render.report_dir(REPORT_FIXTURES / "results.json", path, out / "report")
    return written["md"].read_text(encoding="utf-8"), written["html"].read_text(encoding="utf-8")


def test_reliability_counts_each_contract_module_over_both_databases(markdown: str) -> None:
    rows = reliability_rows(markdown)

    assert starting(rows, "Hostile input") == [
        "2 of 2 passed", "1 of 1 passed", "1 of 1 passed, 1 skipped",
    ]  # fmt: skip
    assert rows["SIGTERM and killed workers under load"] == [
        "1 of 1 passed", "**1 of 1 FAILED**", "1 of 1 passed",
    ]  # fmt: skip
    assert starting(rows, "Database unreachable or stopped") == [
        "2 of 2 passed", "2 of 2 passed", "1 of 1 passed, 1 skipped",
    ]  # fmt: skip


def test_reliability_rows_come_in_order_each_with_its_source(markdown: str) -> None:
    section = markdown.split("### Reliability", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]

    assert rows[0] == "| check | FastAPI | Flask | Django REST Framework | figures from |"
    assert [r.split(" | ")[0][2:] for r in rows[1:]] == [
        "Hostile input (nesting, repeated parameters, lying lengths, oversized lines and headers)",
        "Slow clients (trickled requests served, half-sent ones never acknowledged)",
        "Others served while slow clients hold connections half-sent",
        "Security headers (nosniff, no version banner)",
        "Debug modes off in every served configuration",
        "SIGTERM and killed workers under load",
        "Database unreachable or stopped under load (503, then recovery without a restart)",
        "Concurrent writers (create, update, delete), rows audited",
        "Schemathesis against its own /openapi.json",
        "Schemathesis against contract_tests/openapi.yaml",
        "Write load points audited (acknowledged creates readable, no row lost or invented)",
        "Failed requests in measured benchmark windows",
    ]
    assert rows[1].endswith(" | contract_tests/test_hostile_input.py |")


def test_a_contract_module_absent_from_the_results_is_not_measured(
    markdown: str, html: str
) -> None:
    rows = reliability_rows(markdown)

    assert rows["Slow clients (trickled requests served, half-sent ones never acknowledged)"] == [
        "not measured: no test_slow_clients results in contract.xml", "", "",
    ]  # fmt: skip
    assert (
        '<td colspan="3" class="muted">not measured: no test_served_config results in '
        "contract.xml</td>" in html
    )


def test_schemathesis_passes_show_test_cases_findings_and_server_errors(
    markdown: str, html: str
) -> None:
    rows = reliability_rows(markdown)

    assert rows["Schemathesis against contract_tests/openapi.yaml"] == [
        "11,873 test cases, 0 findings, 0 server errors",
        "9,120 test cases, 0 findings, 0 server errors",
        "7,990 test cases, 0 findings, 0 server errors",
    ]
    assert '<td class="num ok">12,345 test cases, 0 findings, 0 server errors</td>' in html


def test_a_schemathesis_finding_is_a_failed_cell_listed_under_the_table(
    markdown: str, html: str
) -> None:
    rows = reliability_rows(markdown)
    failed = "FAILED: 9,876 test cases, 3 findings, 2 server errors"

    assert rows["Schemathesis against its own /openapi.json"][1] == f"**{failed}**"
    assert f'<td class="num failed">{failed}</td>' in html
    listed = "Schemathesis findings of Flask against its own /openapi.json:\n\n"
    assert listed + "- `ST101 Server error: 2 (PATCH /api/v1/tasks/{id}, POST /api/v1/tasks)`" in (
        markdown
    )
    assert "<code>ST103 Undocumented status code: 1 (POST /api/v1/tasks)</code>" in html


def test_benchmark_audits_and_failed_requests_are_counted_per_implementation(
    markdown: str, html: str
) -> None:
    rows = reliability_rows(markdown)

    assert starting(rows, "Write load points audited") == ["4 of 4 passed"] * 3
    assert rows["Failed requests in measured benchmark windows"][0] == (
        "**2 of 532,842 requests FAILED**"
    )
    assert '<td class="num failed">1 of 353,410 requests FAILED</td>' in html


def test_the_fuzz_figures_say_where_they_came_from(markdown: str) -> None:
    assert (
        "Schemathesis 4.32.5 figures from taskbench fuzz run 20261122-011000 (seed 20261122, "
        "PostgreSQL, at most 100 examples per operation and 300 s per pass, started "
        "2026-11-22T01:10:00Z), at commit 89abcdef0123, the commit these facts were gathered from."
    ) in markdown


def test_fuzz_figures_from_another_commit_say_so(tmp_path: Path) -> None:
    facts = read_fixture("facts.json")
    facts["fuzz"]["git"] = {"commit": "fedcba9876543210fedcba9876543210fedcba98", "dirty": True}

    markdown, html = rendered_with(facts, tmp_path)

    note = (
        "at commit fedcba987654 with uncommitted changes, NOT the one these facts were "
        "gathered from (89abcdef0123)."
    )
    assert note in markdown
    assert note in html


def test_facts_without_per_module_counts_or_fuzz_still_render(tmp_path: Path) -> None:
    facts = read_fixture("facts.json")
    del facts["contract"]["modules"]
    facts["fuzz"] = {"not_measured": "no fuzz summary at var/fuzz/latest/summary.json"}

    markdown, html = rendered_with(facts, tmp_path)
    rows = reliability_rows(markdown)

    assert rows["Security headers (nosniff, no version banner)"] == [
        "not measured: these facts predate per-module contract counts", "", "",
    ]  # fmt: skip
    assert rows["Schemathesis against its own /openapi.json"][0] == (
        "not measured: no fuzz summary at var/fuzz/latest/summary.json"
    )
    assert "Schemathesis findings" not in markdown
    assert "taskbench fuzz run" not in html
    assert rows["Failed requests in measured benchmark windows"][1] == (
        "**1 of 353,410 requests FAILED**"
    )


def test_resource_rows_name_each_servers_workers_and_say_when_counts_differ(
    markdown: str,
) -> None:
    rows = verdict_rows(markdown)
    caveat = "**Compares different worker counts: 1 async worker against 3 sync workers.**"

    total = rows["Server memory, all workers, mixed"]
    assert "**1** · 62.4 MiB · 1 async worker" in total
    assert "**3** · 163 MiB · 3 sync workers" in total
    assert caveat in total
    per_worker = rows["Server memory per worker, mixed"]
    assert "**1** · 48.5 MiB · 3 sync workers" in per_worker
    assert "**3** · 62.4 MiB · 1 async worker" in per_worker
    assert "Compares" not in per_worker, "a figure per worker compares like with like"
    assert caveat in rows["Server CPU per 1,000 requests, mixed"]
    assert caveat in rows["Startup to first healthy answer"]
    assert "worker" not in rows["Peak throughput, mixed"]


def test_equal_worker_counts_need_no_caveat() -> None:
    entries = tuple(
        verdict.Entry(impl, verdict.exact(1.0), 1, workers="3 sync workers")
        for impl in ("flask", "django")
    )
    same = verdict.Dimension("memory", "Memory", "MiB", verdict.LOWER, "", entries)
    one_unmeasured = (*entries, verdict.Entry("fastapi", None, workers="1 async worker"))

    assert verdict.different_workers(same) is None
    assert verdict.different_workers(dataclasses.replace(same, entries=one_unmeasured)) is None


def test_sections_follow_one_list_in_the_bar_and_the_markdown(markdown: str, html: str) -> None:
    bar = html.split('<nav class="bar"', 1)[1].split("</nav>", 1)[0]

    assert re.findall(r'href="#([^"]+)"', bar) == ["top", *(i for i, _ in render.SECTIONS)]
    for section, title in render.SECTIONS:
        assert f'<section id="{section}">\n<h2>{title}</h2>' in html
        assert f"[{title}](#{render.anchor(title)})" in markdown


def test_html_travels_alone_without_links_into_a_checkout(html: str) -> None:
    assert 'href="../' not in html
    assert "<code>fastapi_impl/middleware.py:" in html
    assert "These facts predate excerpts: each reference names its file and line only." in html


def with_excerpt(facts: dict, repository: str | None, dirty: bool) -> dict:
    """The fixture facts with one reference quoted, from a commit of a repository."""
    section = facts["conformance"]
    ref = section["implementations"]["fastapi"][0]["where"][0]
    ref["line"] = 10
    ref["excerpt"] = {"first_line": 8, "lines": ["", "# <why>", ref["find"] + "(app)", "  pass"]}
    section["repository"] = repository
    section["excerpts_from"] = {"commit": "c0ffee" * 6 + "c0ff", "dirty": dirty}
    return facts


def test_a_reference_carries_its_code_folded_and_links_to_its_commit(tmp_path: Path) -> None:
    facts = with_excerpt(read_fixture("facts.json"), "https://example.org/o/taskbench", False)
    ref = facts["conformance"]["implementations"]["fastapi"][0]["where"][0]

    markdown, html = rendered_with(facts, tmp_path)

    link = f"https://example.org/o/taskbench/blob/{'c0ffee' * 6}c0ff/{ref['file']}#L10"
    assert f'<details class="code"><summary><code>{ref["file"]}:10</code></summary>' in html
    assert '<span class="line"><span class="ln">9</span># &lt;why&gt;</span>' in html
    assert f'<span class="line hit"><span class="ln">10</span>{ref["find"]}(app)</span>' in html
    assert f'<a href="{link}">' in html
    assert f"[`{ref['file']}:10`]({link})" in markdown
    assert f"Code quoted from commit {'c0ffee' * 2}." in markdown


def test_code_quoted_from_a_changed_tree_gets_no_commit_link(tmp_path: Path) -> None:
    facts = with_excerpt(read_fixture("facts.json"), "https://example.org/o/taskbench", True)
    ref = facts["conformance"]["implementations"]["fastapi"][0]["where"][0]

    markdown, html = rendered_with(facts, tmp_path)

    assert "example.org" not in html + markdown
    assert f"[`{ref['file']}:10`](../../{ref['file']}#L10)" in markdown
    assert "with uncommitted changes." in markdown


def test_detail_folds_away_in_the_html_and_lists_compactly_in_the_markdown(
    markdown: str, html: str
) -> None:
    folded = re.findall(r'<details class="fold"><summary>([^<]+)</summary>', html)

    assert folded == [
        "The rule behind each choice",
        "Every closed-loop point: throughput, latency, failures and Locust's CPU (15 rows)",
        "FastAPI: 2 settings",
        "Flask: 2 settings",
        "Django REST Framework: 2 settings",
        "Rule by rule: the files each implementation changed (20 rules)",
        "FastAPI: 18 adjustments in 6 files",
        "Flask: 19 adjustments in 6 files",
        "Django REST Framework: 19 adjustments in 8 files",
        "Settings of the run (14)",
        "Versions (11 packages)",
    ]
    assert "<details open>" not in html.split('id="correctness"')[0]
    assert "**Settings of the run:** impls `fastapi, flask, django` · " in markdown
    assert "**Versions:** " in markdown
    assert "| setting | value |" not in markdown

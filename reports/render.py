"""Render a run and its facts into report.html (charts inline) and report.md (charts as files).

Rendering is pure: the same results.json and facts.json give the same bytes, so a committed
report can be re-rendered and compared.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from reports import (
    charts,
    choose,
    claims,
    database_charts,
    database_section,
    measures,
    results,
    sections,
    svg,
    verdict,
)
from reports.facts import model
from reports.facts.model import CodeFacts, Facts, Missing
from reports.facts.roles import ROLES
from reports.results import Run

TITLE = "FastAPI vs Flask vs Django REST Framework, measured"
RESULTS = "results.json"
FACTS = "facts.json"
# Where the repository root is, seen from reports/<name>/: the Markdown's code links point
# there (it lives in the repository); the HTML quotes the code instead, so it travels alone.
CODE_LINK_PREFIX = "../../"
# The report's sections in reading order: (id, title). Each is templates/html/<id>.html.j2 and
# templates/md/<id>.md.j2; the section bar and the Markdown's list of sections follow this.
SECTIONS = (
    ("choose", "What to choose"),
    ("verdict", "Verdict"),
    ("performance", "Performance"),
    ("database", "When the database takes its time"),
    ("correctness", "Correctness"),
    ("code", "Code"),
    ("dependencies", "Dependencies"),
    ("docs", "Docs and validation"),
    ("claims", "Claims checked"),
    ("reproduce", "Reproduce"),
)


def anchor(title: str) -> str:
    """The anchor a Markdown renderer gives a heading: `Docs and validation` -> `docs-and-...`."""
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def markdown_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: no pipe or newline breaks the row."""
    return str(value).replace("|", "\\|").replace("\n", "<br>")


def range_below(value: Any) -> Any:
    """HTML: a figure's range across rounds on a line of its own, so tables stay narrow."""
    text = str(value)
    if " (" not in text or not text.endswith(" rounds)"):
        return value
    median, spread = text.split(" (", 1)
    return Markup('{}<br><span class="range">({}</span>').format(escape(median), escape(spread))


@functools.cache  # compiling the templates costs more than rendering them
def environment(kind: str) -> Environment:
    """The Jinja2 environment of the HTML or the Markdown template."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = markdown_cell if kind == "md" else (lambda value: value)
    env.filters["figure"] = range_below if kind == "html" else (lambda value: value)
    return env


CHART_GROUPS = (
    "throughput", "load_latency", "latency", "floor", "resources", "database", "code",
    "dependencies",
)  # fmt: skip


def chart_groups(run: Run, facts: Facts) -> dict[str, list[charts.Chart]]:
    """Every chart, grouped by the part of the report it belongs to (its `group`)."""
    found: dict[str, list[charts.Chart]] = {group: [] for group in CHART_GROUPS}
    for chart in [*charts.all_charts(run, facts), *database_charts.all_charts(run)]:
        found.setdefault(chart.group, []).append(chart)
    return found


def _why_missing(section: object) -> str:
    return section.reason if isinstance(section, Missing) else model.NOT_GATHERED


def context(run: Run, facts: Facts) -> dict[str, Any]:
    """Everything the templates show."""
    reproduce = sections.reproduce(run, facts)
    throughput = sections.throughput_rows(run)
    code = facts.code
    return {
        "title": TITLE,
        "sections": [{"id": i, "title": t, "anchor": anchor(t)} for i, t in SECTIONS],
        "chart_min_width": f"{svg.MIN_WIDTH_PX:g}",
        "run": run,
        "impls": sections.titles(run),
        "choices": sections.choice_rows(choose.choose(run, facts)),
        "tie_rule": verdict.TIE_RULE,
        "verdict": sections.verdict_rows(verdict.table(run, facts)),
        "claims": sections.claim_rows(claims.check_all(run, facts)),
        "charts": chart_groups(run, facts),
        "unmeasured": sections.unmeasured_servers(run),
        "throughput": throughput,
        "has_crosscheck": any(r["crosscheck"]["text"] for r in throughput),
        "drift": sections.drift_note(run),
        "variants": sections.variant_view(run),
        "latency": sections.latency_rows(run),
        "floor": sections.floor_rows(run),
        "resources": sections.resource_rows(run),
        "main_scenario": measures.main_scenario(run) or "",
        "failures": sections.failure_rows(run),
        "audit": sections.audit_summary(run),
        "contract": sections.contract_rows(run, facts),
        "contract_missing": _why_missing(facts.contract),
        "reliability": sections.reliability_view(run, facts),
        "code": sections.code_rows(run, facts),
        "code_tool": code.tool if isinstance(code, CodeFacts) else "radon",
        "roles": list(ROLES.values()),
        "conformance": sections.conformance_view(run, facts, CODE_LINK_PREFIX),
        "dependencies": sections.dependency_rows(run, facts),
        "dependencies_missing": _why_missing(facts.dependencies),
        "docs": sections.docs_rows(run, facts),
        "generated_clients": sections.generated_client_view(run, facts),
        "docs_missing": _why_missing(facts.docs),
        "invalid": sections.invalid_request(run, facts),
        "reproduce": reproduce,
        "database": database_section.view(run, facts, CODE_LINK_PREFIX),
    }


def render(run: Run, facts: Facts, out: Path) -> dict[str, Path]:
    """Write report.html, report.md and charts/*.svg into `out`; return their paths."""
    values = context(run, facts)
    chart_dir = out / "charts"
    if chart_dir.exists():
        shutil.rmtree(chart_dir)
    chart_dir.mkdir(parents=True)
    for group in values["charts"].values():
        for chart in group:
            (chart_dir / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")
    written = {"charts": chart_dir}
    for kind in ("html", "md"):
        template = environment(kind).get_template(f"report.{kind}.j2")
        path = out / f"report.{kind}"
        path.write_text(template.render(values), encoding="utf-8")
        written[kind] = path
    return written


def report_dir(results_path: Path, facts_path: Path, out: Path) -> dict[str, Path]:
    """A self-contained report folder: the inputs copied beside what is rendered from them."""
    out.mkdir(parents=True, exist_ok=True)
    for source, target in ((results_path, out / RESULTS), (facts_path, out / FACTS)):
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
    run = results.load(out / RESULTS)
    return render(run, model.load(out / FACTS), out)

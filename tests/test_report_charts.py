"""The charts as drawn: text kept as text in a font stack that fits, sizes a phone can read,
value labels inside their plot, every chart in a part of the report.

Where text lands in a browser is checked by tests/test_report_browser.py.
"""

from __future__ import annotations

import re

import pytest

from reports import charts, database_charts, render, results, svg
from reports.facts.model import Facts
from reports.measures import Measure
from reports.results import Spread
from tests.helpers import REPORT_FIXTURES

FONT_STACK = ", ".join([*(repr(f) for f in svg.FONTS), "sans-serif"])


@pytest.fixture(scope="module")
def drawn(facts: Facts) -> list[charts.Chart]:
    """Every chart of the fixture run."""
    return charts.all_charts(results.load(REPORT_FIXTURES / "results.json"), facts)


@pytest.fixture(scope="module")
def every_chart(drawn: list[charts.Chart]) -> list[charts.Chart]:
    """Every chart of the fixture run, and the database section's of the run with latencies."""
    slow = database_charts.all_charts(results.load(REPORT_FIXTURES / "dblatency" / "results.json"))
    assert slow, "the run with database latencies draws the database section's charts"
    return [*drawn, *slow]


def test_chart_text_is_text_in_a_font_stack_no_wider_than_the_layouts(
    every_chart: list[charts.Chart],
) -> None:
    for chart in every_chart:
        styles = re.findall(r'<text style="([^"]*)"', chart.svg)

        assert styles, f"{chart.name}: no text, or text drawn as outlines"
        assert "DejaVuSans-" not in chart.svg, f"{chart.name} holds glyph outlines"
        families = {re.search(r"font-family: ([^;]*)", s).group(1) for s in styles}  # type: ignore[union-attr]
        assert families == {FONT_STACK}, chart.name
        sizes = [float(n) for s in styles for n in re.findall(r"font-size: ([\d.]+)px", s)]
        assert min(sizes) >= svg.MIN_FONT, chart.name


def test_every_chart_has_the_one_width_the_page_sizes_it_by(
    every_chart: list[charts.Chart],
) -> None:
    for chart in every_chart:
        assert re.search(r'<svg [^>]*width="345\.6pt"', chart.svg), chart.name
    assert pytest.approx(345.6) == svg.MIN_WIDTH_PX  # 10 pt text shown 10 px high


def test_every_chart_belongs_to_a_part_of_the_report(
    drawn: list[charts.Chart], every_chart: list[charts.Chart]
) -> None:
    assert len(drawn) == 10
    assert {c.group for c in every_chart} <= set(render.CHART_GROUPS)


def test_the_memory_chart_names_each_servers_workers(drawn: list[charts.Chart]) -> None:
    (memory,) = [c for c in drawn if c.name == "memory"]

    assert ">FastAPI (1 async worker)</text>" in memory.svg
    assert ">Flask (3 sync workers)</text>" in memory.svg


def figure_with_labels(texts: list[str]) -> tuple[object, object, list]:
    """Bars whose value labels are as wide as the texts given, before any room is made."""
    fig = svg.new_figure(2.0)
    ax = fig.add_subplot()
    series = {
        "fastapi": [Measure(Spread(100.0, 90.0, 120.0, 3))],
        "flask": [Measure(Spread(60.0, 60.0, 60.0, 1))],
    }
    labels = charts.grouped_bars(ax, ["mixed"], series, {"fastapi": "A", "flask": "B"})
    for label, text in zip(labels, texts, strict=True):
        label.set_text(text)
    return fig, ax, labels


def test_value_labels_end_inside_their_plot_once_room_is_made() -> None:
    fig, ax, labels = figure_with_labels(["123,456,789 req/s", "1"])
    fig.draw_without_rendering()  # type: ignore[attr-defined]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    assert labels[0].get_window_extent(renderer).x1 > ax.get_window_extent(renderer).x1  # type: ignore[attr-defined]

    drawn = charts.finished(fig)  # type: ignore[arg-type]

    edge = ax.get_window_extent(renderer).x1 - charts.EDGE * fig.dpi / 72  # type: ignore[attr-defined]
    assert all(label.get_window_extent(renderer).x1 <= edge + 0.01 for label in labels)
    assert "123,456,789 req/s</text>" in drawn


def test_a_value_label_wider_than_any_plot_is_refused() -> None:
    fig, _, _ = figure_with_labels(["x" * 120, "1"])

    with pytest.raises(ValueError, match="no room in the plot"):
        charts.finished(fig)  # type: ignore[arg-type]


def _line_chart(width: float) -> str:
    figure = svg.new_figure()
    figure.set_figwidth(width)
    figure.add_subplot().plot([0, 1, 2], [1, 3, 2], marker="o")
    return svg.to_svg(figure)


def test_a_chart_is_the_same_bytes_when_its_layout_moves_by_float_noise() -> None:
    # Layout arithmetic differs in its last bits from one CPU to another.
    assert _line_chart(svg.WIDTH) == _line_chart(svg.WIDTH * (1 + 1e-13))


def test_every_chart_refers_only_to_ids_it_defines(every_chart: list[charts.Chart]) -> None:
    for chart in every_chart:
        defined = set(re.findall(r'\bid="([^"]+)"', chart.svg))
        referred = set(re.findall(r'(?:url\(|href=")#([^")]+)', chart.svg))

        assert referred, chart.name
        assert referred <= defined, f"{chart.name}: {sorted(referred - defined)}"
        assert not [i for i in defined if re.fullmatch(r"[a-z][0-9a-f]{10}", i)], chart.name

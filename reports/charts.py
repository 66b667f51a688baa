"""The report's charts, drawn with matplotlib: every axis labelled with its unit, the spread
across rounds as error bars (lowest to highest round), client-bound figures hatched or hollow.

Bars run across, a row per figure with its value written at its end: the same chart reads on a
phone and on a wide screen, and no value label has to squeeze between its neighbours. Each
chart names its group, the part of the report it belongs to; a new chart joins a part by naming
it (render.py lays every group out as a grid).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation

from reports import fmt, measures, svg
from reports.facts.model import Facts
from reports.facts.roles import ROLES
from reports.measures import Measure
from reports.results import Run, Server

# Okabe-Ito colours, told apart with colour blindness, plus a marker each for print.
COLOURS = {"fastapi": "#009E73", "flask": "#0072B2", "django": "#D55E00"}
MARKERS = {"fastapi": "o", "flask": "s", "django": "^"}
FALLBACK = ("#CC79A7", "#E69F00", "#56B4E9", "#000000")
CLIENT_BOUND_HATCH = "///"
CLIENT_BOUND = "client-bound (Locust's core was the limit)"
INK = "#222222"
BAR = 0.2  # inches of height per bar
LABEL_GAP = 3  # points between a bar's end (or its error bar) and its value
EDGE = 4  # points kept clear between a value label and its plot's edge
TICK_WIDTH = 16  # characters per line of a tick label


@dataclass(frozen=True)
class Chart:
    """One chart: a file name, the part of the report it belongs to, a title, a caption, SVG."""

    name: str
    group: str
    title: str
    caption: str
    svg: str

    @property
    def inline(self) -> str:
        """The SVG ready to sit in the HTML page."""
        return svg.inline(self.svg, self.name, self.title)


def colour(impl: str, index: int = 0) -> str:
    """The colour of an implementation."""
    return COLOURS.get(impl, FALLBACK[index % len(FALLBACK)])


def wrap(text: str, width: int = TICK_WIDTH) -> str:
    """A tick label over as many lines as it takes, so the plot keeps the chart's width."""
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text


def _errors(values: Sequence[Measure | None]) -> np.ndarray:
    low = [m.value - m.spread.low if m else 0.0 for m in values]
    high = [m.spread.high - m.value if m else 0.0 for m in values]
    return np.array([low, high])


def _title(fig: Figure, text: str) -> None:
    fig.suptitle(text, x=0.01, ha="left", fontsize=svg.MIN_FONT + 1, fontweight="bold")


def _height(bars: int, legend_rows: int = 1) -> float:
    """Inches for a chart of horizontal bars: title, axis, legend, and BAR per bar."""
    return 1.05 + 0.22 * legend_rows + BAR / 0.8 * bars


def value_label(ax: Axes, text: str, x: float, y: float, number: int) -> Annotation:
    """A bar's value, written just past its end (or its error bar), inside the plot."""
    label = ax.annotate(
        text, (x, y), xytext=(LABEL_GAP, 0), textcoords="offset points",
        ha="left", va="center", color=INK,
    )  # fmt: skip
    label.set_gid(f"value-{ax.figure.axes.index(ax)}-{number}")
    label.set_in_layout(False)  # make_room keeps it inside the plot, and so inside the chart
    return label


def frame(ax: Axes) -> None:
    """Name the plot's box in the SVG, so that a test can hold the value labels inside it."""
    ax.patch.set_gid(f"frame-{ax.figure.axes.index(ax)}")


def grouped_bars(
    ax: Axes,
    groups: list[str],
    series: dict[str, list[Measure | None]],
    labels: dict[str, str],
    value_format: Callable[[float], str] = fmt.number,
) -> list[Annotation]:
    """A row of bars per group, a bar per series, min-max error bars, each value at its end.

    Client-bound bars are hatched. Returns the value labels (finished makes room for them).
    """
    height = 0.8 / max(len(series), 1)
    y = np.arange(len(groups))
    written = []
    for index, (key, values) in enumerate(series.items()):
        offsets = y - 0.4 + height * (index + 0.5)
        widths = [m.value if m else 0.0 for m in values]
        bars = ax.barh(
            offsets, widths, height, label=labels[key], color=colour(key, index),
            xerr=_errors(values), ecolor="#333333", error_kw={"elinewidth": 1},
        )  # fmt: skip
        for bar, measure in zip(bars, values, strict=True):
            if not measure:
                continue
            if measure.client_bound:
                bar.set_hatch(CLIENT_BOUND_HATCH)
                bar.set_edgecolor(INK)
            middle = bar.get_y() + bar.get_height() / 2
            text = value_format(measure.value)
            written.append(value_label(ax, text, measure.spread.high, middle, len(written)))
    ax.set_yticks(y, [wrap(g) for g in groups])
    ax.invert_yaxis()  # the first group on top, its bars in the legend's order
    ax.set_xlim(left=0)
    ax.grid(axis="y", visible=False)
    frame(ax)
    return written


def value_labels(ax: Axes) -> list[Annotation]:
    """The value labels value_label wrote in a plot."""
    return [
        t for t in ax.texts
        if isinstance(t, Annotation) and (t.get_gid() or "").startswith("value-")
    ]  # fmt: skip


def make_room(ax: Axes, labels: list[Annotation]) -> bool:
    """Widen the x axis so that every value label ends EDGE points inside the plot.

    Measured on the figure as last laid out; each label's data position and its width in pixels
    decide how far the axis goes. True when it had to widen.
    """
    if not labels:
        return False
    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = ax.get_window_extent(renderer)
    low, high = ax.get_xlim()
    edge = EDGE * fig.dpi / 72
    needed = high
    for label in labels:
        anchor = float(label.xy[0])  # type: ignore[arg-type]
        start = box.x0 + (anchor - low) / (high - low) * box.width
        beyond = label.get_window_extent(renderer).x1 - start  # gap and text, in pixels
        room = box.width - edge - beyond
        if room <= 0:
            raise ValueError(f"no room in the plot for the label {label.get_text()!r}")
        needed = max(needed, low + (anchor - low) * box.width / room)
    if needed <= high * 1.0001:
        return False
    ax.set_xlim(low, needed * 1.01)
    return True


def finished(fig: Figure) -> str:
    """The chart as SVG, drawn again until every value label ends inside its plot.

    The layout moves a plot as its tick labels change, so room is made on one layout, the SVG
    drawn, and the labels measured again on the layout that drawing settled.
    """
    if any(value_labels(ax) for ax in fig.axes):
        fig.draw_without_rendering()
        for ax in fig.axes:
            make_room(ax, value_labels(ax))
    for _ in range(8):
        drawn = svg.to_svg(fig)
        widened = False
        for ax in fig.axes:
            widened = make_room(ax, value_labels(ax)) or widened
        if not widened:
            return drawn
    raise ValueError("the value labels did not settle inside their plots")


def _legend_handles(fig: Figure, ax: Axes, bars: bool, marked: bool | None) -> tuple[list, list]:
    handles, labels = ax.get_legend_handles_labels()
    # A series' legend patch would copy its first bar, hatched when that one is client-bound.
    handles = [
        Patch(facecolor=h.patches[0].get_facecolor()) if isinstance(h, BarContainer) else h
        for h in handles
    ]
    if marked is None:
        marked = any(patch.get_hatch() for a in fig.axes for patch in a.patches)
    if marked and bars:
        handles.append(Patch(facecolor="white", edgecolor=INK, hatch=CLIENT_BOUND_HATCH))
    elif marked:
        handles.append(Line2D([], [], marker="o", markerfacecolor="white", color=INK))
    if marked:
        labels.append(CLIENT_BOUND)
    return handles, labels


def legend_below(fig: Figure, handles: list, labels: list[str]) -> Legend:
    """One legend for the whole figure, under the plots, in as many columns as fit its width."""
    for columns in range(min(len(labels), 3), 0, -1):
        legend = fig.legend(handles, labels, loc="outside lower center", ncols=columns)
        width = legend.get_window_extent(fig.canvas.get_renderer()).width  # type: ignore[attr-defined]
        if columns == 1 or width <= fig.bbox.width * 0.96:
            return legend
        legend.remove()
    raise AssertionError("unreachable")


def series_legend(fig: Figure, ax: Axes, bars: bool = True, marked: bool | None = None) -> None:
    """The series' legend, plus the client-bound mark when the figure shows one."""
    legend_below(fig, *_legend_handles(fig, ax, bars, marked))


def _default_labels(run: Run) -> dict[str, str]:
    return {s.impl: s.title for s in run.defaults() if s.measured}


def _bar_chart(
    groups: list[str],
    series: dict[str, list[Measure | None]],
    labels: dict[str, str],
    title: str,
    xlabel: str,
    value_format: Callable[[float], str] = fmt.number,
    legend_rows: int = 1,
) -> tuple[Figure, Axes]:
    """A figure of grouped horizontal bars with its title, axis label, legend and values."""
    fig = svg.new_figure(_height(len(groups) * len(series), legend_rows))
    ax = fig.add_subplot()
    grouped_bars(ax, groups, series, labels, value_format)
    ax.set_xlabel(xlabel)
    _title(fig, title)
    series_legend(fig, ax)
    return fig, ax


@svg.styled
def throughput_vs_users(run: Run, scenario: str) -> Chart | None:
    """Requests/s against concurrent users, a line per server variant."""
    servers = [s for s in run.servers if s.measured and len(s.closed(scenario)) > 1]
    if not servers:
        return None
    fig = svg.new_figure(2.9 + 0.22 * len(servers))
    ax = fig.add_subplot()
    frame(ax)
    any_bound = False
    for index, server in enumerate(servers):
        points = server.closed(scenario)
        users = [p.users for p in points]
        values = [measures.Measure(p.throughput, p.client_bound) for p in points]
        style = "-" if server.default else "--"
        ax.errorbar(
            users, [m.value for m in values], yerr=_errors(values), fmt=style,
            marker=MARKERS.get(server.impl, "D"), color=colour(server.impl, index),
            label=f"{server.title} ({server.variant})",
        )  # fmt: skip
        bound = [(p.users, p.throughput.median) for p in points if p.client_bound]
        if bound:
            any_bound = True
            ax.plot(*zip(*bound, strict=True), "o", markersize=11, markerfacecolor="white",
                    markeredgecolor=INK, zorder=0)  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted({p.users for s in servers for p in s.closed(scenario)}))
    ax.get_xaxis().set_major_formatter("{x:g}")
    ax.set_xlabel("concurrent users (closed loop, log scale)")
    ax.set_ylabel("requests/s")
    ax.set_ylim(bottom=0)
    _title(fig, f"Throughput vs concurrency: {scenario}")
    series_legend(fig, ax, bars=False, marked=any_bound)
    return Chart(
        f"throughput-{scenario}",
        "throughput",
        f"Throughput vs concurrency, {scenario} scenario",
        "Where each line flattens is that server's capacity on its core; the gap between the "
        "lines at the right is the framework's cost. Error bars span the lowest to highest "
        "round; a hollow ring marks a client-bound point.",
        finished(fig),
    )


LATENCY_LINES = {"p99": "-", "p50": ":"}
LOAD_LATENCY_SCENARIOS = ("mixed", "read")


@svg.styled
def latency_vs_users(run: Run, scenario: str) -> Chart | None:
    """p50 and p99 against concurrent users, per implementation (default variants, 0 ms added)."""
    servers = [s for s in run.defaults() if s.measured and len(s.closed(scenario)) > 1]
    if not servers:
        return None
    fig = svg.new_figure(3.1 + 0.22 * (len(servers) + 1))
    ax = fig.add_subplot()
    frame(ax)
    handles: list = []
    labels: list[str] = []
    for index, server in enumerate(servers):
        points = [p for p in server.closed(scenario) if "p99" in p.latency and "p50" in p.latency]
        users = [p.users for p in points]
        for name, style in LATENCY_LINES.items():
            values = [Measure(p.latency[name], p.client_bound) for p in points]
            ax.errorbar(
                users, [m.value for m in values], yerr=_errors(values), fmt=style,
                marker=MARKERS.get(server.impl, "D"), color=colour(server.impl, index),
                markersize=4 if name == "p50" else 6,
            )  # fmt: skip
        handles.append(Patch(facecolor=colour(server.impl, index)))
        labels.append(server.title)
    for name, style in LATENCY_LINES.items():
        handles.append(Line2D([], [], linestyle=style, color=INK))
        labels.append(name)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted({p.users for s in servers for p in s.closed(scenario)}))
    ax.get_xaxis().set_major_formatter("{x:g}")
    ax.set_yscale("log")
    ax.get_yaxis().set_major_formatter("{x:g}")
    ax.set_xlabel("concurrent users (closed loop, log scale)")
    ax.set_ylabel("latency (ms, log scale)")
    _title(fig, f"Latency vs concurrency: {scenario}")
    legend_below(fig, handles, labels)
    return Chart(
        f"load-latency-{scenario}",
        "load_latency",
        f"Latency vs concurrency, {scenario} scenario",
        "p99 (solid) and p50 (dotted) of each implementation's default variant at every "
        "closed-loop load point, no database latency added. Where a line bends upwards the "
        "server is queueing: a framework that answers fastest at low load need not at high "
        "load. Error bars span the lowest to highest round.",
        finished(fig),
    )


@svg.styled
def peak_by_scenario(run: Run) -> Chart | None:
    """Peak throughput of every scenario, a bar per implementation."""
    labels = _default_labels(run)
    if not labels or not run.scenarios:
        return None
    series = {
        impl: [measures.throughput(run.server(impl), s) for s in run.scenarios]  # type: ignore[arg-type]
        for impl in labels
    }
    fig, _ = _bar_chart(run.scenarios, series, labels, "Peak throughput per scenario", "requests/s")
    return Chart(
        "peak-throughput",
        "throughput",
        "Peak throughput per scenario",
        "The best closed-loop point of each scenario. health is the framework's floor, the "
        "others go through the ORM and validation. Hatched bars were client-bound: the real "
        "server capacity is higher than shown.",
        finished(fig),
    )


@svg.styled
def latency_at_fixed_load(run: Run, scenario: str) -> Chart | None:
    """p50 and p99 at the same offered load, a bar per implementation."""
    labels = {i: t for i, t in _default_labels(run).items() if run.server(i).fixed(scenario)}  # type: ignore[union-attr]
    if not labels:
        return None
    names = ("p50", "p99")
    series = {}
    for impl in labels:
        point = run.server(impl).fixed(scenario)  # type: ignore[union-attr]
        series[impl] = [
            Measure(spread, point.client_bound) if point and (spread := point.latency.get(n))
            else None
            for n in names
        ]  # fmt: skip
    offered = run.settings.get("offered_rps", 0)
    fig, _ = _bar_chart(
        list(names), series, labels, f"Latency at {offered:g} req/s offered: {scenario}",
        "latency (ms)",
    )  # fmt: skip
    return Chart(
        f"latency-{scenario}",
        "latency",
        f"Latency at a fixed offered load, {scenario} scenario",
        f"Every framework got the same {offered:g} requests/s, so these percentiles compare "
        "like with like. Lower is better; error bars span the rounds.",
        finished(fig),
    )


@svg.styled
def floor_fraction(run: Run) -> Chart | None:
    """Each database scenario's throughput as a fraction of the framework floor."""
    labels = _default_labels(run)
    scenarios = measures.database_scenarios(run)
    users = run.settings.get("peak_users", 0)
    if measures.FLOOR not in run.scenarios or not scenarios or not labels:
        return None
    series = {
        impl: [measures.floor_fraction(run.server(impl), s, users) for s in scenarios]  # type: ignore[arg-type]
        for impl in labels
    }
    fig, ax = _bar_chart(
        scenarios, series, labels, f"Share of the framework floor, {users} users",
        "share of its own GET /health throughput", fmt.percent,
    )  # fmt: skip
    ax.xaxis.set_major_formatter("{x:.0%}")
    ax.axvline(1.0, color=INK, linewidth=0.8, linestyle=":")
    return Chart(
        "floor-fraction",
        "floor",
        "Throughput as a fraction of each framework's own floor",
        "1 minus the bar is what the database, the ORM and validation cost each framework: a "
        "low bar means the framework's own floor matters little once work is done. The dotted "
        "line is the floor itself. A client-bound floor makes its bar look higher than it is.",
        finished(fig),
    )


def _per_scenario(
    run: Run, name: str, group: str, title: str, caption: str, xlabel: str,
    figure: Callable[[Server, str], Measure | None],
) -> Chart | None:  # fmt: skip
    labels = _default_labels(run)
    scenarios = [s for s in run.scenarios if any(run.server(i).peak(s) for i in labels)]  # type: ignore[union-attr]
    if not labels or not scenarios:
        return None
    series = {impl: [figure(run.server(impl), s) for s in scenarios] for impl in labels}  # type: ignore[arg-type]
    if not any(m for values in series.values() for m in values):
        return None
    fig, _ = _bar_chart(scenarios, series, labels, title, xlabel)
    return Chart(name, group, title, caption, finished(fig))


@svg.styled
def cpu_per_1000(run: Run) -> Chart | None:
    """Server CPU-seconds per 1,000 requests per scenario."""
    return _per_scenario(
        run, "cpu-per-1000", "resources", "Server CPU per 1,000 requests",
        "CPU time the whole server process tree spent per 1,000 requests at each scenario's "
        "peak: what a request costs, whatever the core count. Lower is better.",
        "CPU-seconds per 1,000 requests", measures.cpu_per_1000,
    )  # fmt: skip


@svg.styled
def memory(run: Run) -> Chart | None:
    """Peak resident memory per worker and in total, each server's workers in its legend."""
    labels = _default_labels(run)
    main = measures.main_scenario(run)
    if not labels or not main:
        return None
    servers = {impl: run.server(impl) for impl in labels}
    groups = ["idle, per worker", "peak, per worker", "peak, all workers"]
    series = {
        impl: [
            measures.idle_memory_per_worker(server),  # type: ignore[arg-type]
            measures.memory_per_worker(server, main),  # type: ignore[arg-type]
            measures.memory_total(server, main),  # type: ignore[arg-type]
        ]
        for impl, server in servers.items()
    }
    named = {
        impl: f"{title} ({fmt.workers(s.workers, s.worker_model, s.threads)})"  # type: ignore[union-attr]
        for (impl, title), s in zip(labels.items(), servers.values(), strict=True)
    }
    fig, _ = _bar_chart(
        groups, series, named, f"Resident memory, {main} scenario", "MiB",
        legend_rows=len(named),
    )  # fmt: skip
    return Chart(
        "memory",
        "resources",
        "Memory per worker and in total",
        "Resident memory (RSS) of the server processes: right after start, and at the peak of "
        f"the {main} scenario. Per worker is the whole process tree (a gunicorn master "
        "included) divided by the worker count; totals differ with the worker count each server "
        "model's rule gives (named in the legend), so read both.",
        finished(fig),
    )


@svg.styled
def startup(run: Run) -> Chart | None:
    """Seconds from start to the first healthy answer."""
    servers = [s for s in run.servers if s.measured and s.startup]
    if not servers:
        return None
    names = [f"{wrap(s.title)}\n({s.variant})" for s in servers]
    lines = max(name.count("\n") + 1 for name in names)
    fig = svg.new_figure(1.1 + len(servers) * (0.1 + 0.16 * lines))
    ax = fig.add_subplot()
    values = [measures.startup(s) for s in servers]
    y = np.arange(len(servers))
    ax.barh(
        y, [m.value if m else 0.0 for m in values], xerr=_errors(values),
        color=[colour(s.impl, i) for i, s in enumerate(servers)], ecolor="#333333",
    )  # fmt: skip
    for i, m in enumerate(values):
        if m:
            value_label(ax, fmt.number(m.value, "s"), m.spread.high, i, i)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    frame(ax)
    ax.set_xlabel("seconds to the first healthy answer")
    _title(fig, "Startup time, migrations included")
    return Chart(
        "startup",
        "resources",
        "Startup time",
        "From starting the server command (which first runs the migration tool) to GET /health "
        "answering 200, the median of every server start in the run with its range.",
        finished(fig),
    )


@svg.styled
def lines_by_role(run: Run, facts: Facts) -> Chart | None:
    """Source lines per implementation, stacked by role."""
    found = {i: c for i in run.impls if (c := facts.code_of(i))}
    if not found:
        return None
    fig = svg.new_figure(1.75 + 0.42 * len(found))
    ax = fig.add_subplot()
    frame(ax)
    y = np.arange(len(found))
    left = np.zeros(len(found))
    shades = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#937860", "#8172B3", "#BBBBBB")
    for (role, label), shade in zip(ROLES.items(), shades, strict=True):
        widths = np.array([c.sloc(role) for c in found.values()])
        ax.barh(y, widths, left=left, label=label, color=shade,
                hatch="..." if role == "migrations" else None, edgecolor="white")  # fmt: skip
        left += widths
    ax.set_yticks(y, [wrap(run.title(i)) for i in found])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("source lines of code (radon SLOC)")
    _title(fig, "Lines of code by role")
    legend_below(fig, *ax.get_legend_handles_labels())
    return Chart(
        "lines-by-role",
        "code",
        "Lines of code by role",
        "Source lines (no blank lines, comments or docstrings) of each implementation by what "
        "they do. Migrations are dotted: written by a tool or by hand, they are counted apart "
        "from the totals elsewhere.",
        finished(fig),
    )


@svg.styled
def dependency_sizes(run: Run, facts: Facts) -> Chart | None:
    """Installed size and package count of each implementation's extra."""
    found = {i: d for i in run.impls if (d := facts.installed(i))}
    if not found:
        return None
    fig = svg.new_figure(0.9 + 0.42 * len(found))
    ax = fig.add_subplot()
    y = np.arange(len(found))
    sizes = [d.bytes / measures.MIB for d in found.values()]
    ax.barh(y, sizes, color=[colour(i, n) for n, i in enumerate(found)])
    for n, (size, entry) in enumerate(zip(sizes, found.values(), strict=True)):
        value_label(ax, f"{fmt.mib(entry.bytes)}, {entry.count} packages", size, n, n)
    ax.set_yticks(y, [wrap(run.title(i)) for i in found])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    frame(ax)
    ax.set_xlabel("installed size in a clean venv (MiB)")
    _title(fig, "Dependencies of each implementation")
    return Chart(
        "dependencies",
        "dependencies",
        "Installed size of each implementation's dependencies",
        "Everything `pip install` puts in a clean venv for the implementation's extra (its "
        "framework, server, ORM, drivers and validation), bytecode included.",
        finished(fig),
    )


def performance_charts(run: Run) -> list[Chart]:
    """The charts of the performance section, in reading order."""
    found = [peak_by_scenario(run)]
    found += [throughput_vs_users(run, s) for s in measures.swept_scenarios(run)]
    swept = measures.swept_scenarios(run)
    found += [latency_vs_users(run, s) for s in LOAD_LATENCY_SCENARIOS if s in swept]
    found += [latency_at_fixed_load(run, s) for s in measures.fixed_scenarios(run)]
    found += [floor_fraction(run), cpu_per_1000(run), memory(run), startup(run)]
    return [c for c in found if c]


def all_charts(run: Run, facts: Facts) -> list[Chart]:
    """Every chart of the report, in reading order."""
    found = [*performance_charts(run), lines_by_role(run, facts), dependency_sizes(run, facts)]
    return [c for c in found if c]

"""The report's charts, drawn with matplotlib: every axis labelled with its unit, the spread
across repeats as error bars (lowest to highest run), client-bound figures hatched or hollow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from reports import factsview, measures, svg
from reports.facts.roles import ROLES
from reports.factsview import Facts
from reports.measures import Measure
from reports.results import Run, Server

# Okabe-Ito colours, told apart with colour blindness, plus a marker each for print.
COLOURS = {"fastapi": "#009E73", "flask": "#0072B2", "django": "#D55E00"}
MARKERS = {"fastapi": "o", "flask": "s", "django": "^"}
FALLBACK = ("#CC79A7", "#E69F00", "#56B4E9", "#000000")
CLIENT_BOUND_HATCH = "///"


@dataclass(frozen=True)
class Chart:
    """One chart: a file name, a title, what to see in it, and its SVG."""

    name: str
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


def _errors(values: Sequence[Measure | None]) -> np.ndarray:
    low = [m.value - m.spread.low if m else 0.0 for m in values]
    high = [m.spread.high - m.value if m else 0.0 for m in values]
    return np.array([low, high])


def grouped_bars(
    ax: Axes,
    groups: list[str],
    series: dict[str, list[Measure | None]],
    labels: dict[str, str],
    value_format: str = "{:,.0f}",
) -> None:
    """Bars per group and series with min-max error bars; client-bound bars hatched."""
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(groups))
    for index, (key, values) in enumerate(series.items()):
        offsets = x - 0.4 + width * (index + 0.5)
        heights = [m.value if m else 0.0 for m in values]
        bars = ax.bar(
            offsets, heights, width, label=labels[key], color=colour(key, index),
            yerr=_errors(values), ecolor="#333333", error_kw={"elinewidth": 1},
        )  # fmt: skip
        for bar, measure in zip(bars, values, strict=True):
            if measure and measure.client_bound:
                bar.set_hatch(CLIENT_BOUND_HATCH)
                bar.set_edgecolor("#222222")
            if measure:
                ax.annotate(
                    value_format.format(measure.value),
                    (bar.get_x() + bar.get_width() / 2, measure.spread.high),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=7, color="#222222",
                )  # fmt: skip
    ax.set_xticks(x, groups)


def _client_bound_legend(ax: Axes, bars: bool = True, marked: bool | None = None) -> None:
    """The series' legend, plus the client-bound mark when the figure shows one."""
    handles, labels = ax.get_legend_handles_labels()
    # A series' legend patch would copy its first bar, hatched when that one is client-bound.
    handles = [
        Patch(facecolor=h.patches[0].get_facecolor()) if isinstance(h, BarContainer) else h
        for h in handles
    ]
    if marked is None:
        marked = any(patch.get_hatch() for a in ax.figure.axes for patch in a.patches)
    if marked and bars:
        handles.append(Patch(facecolor="white", edgecolor="#222222", hatch=CLIENT_BOUND_HATCH))
    elif marked:
        handles.append(Line2D([], [], marker="o", markerfacecolor="white", color="#222222"))
    if marked:
        labels.append("client-bound (Locust's core was the limit)")
    legend_below(ax, handles, labels)


def legend_below(ax: Axes, handles: list, labels: list[str]) -> None:
    """One legend for the whole figure, under the plots, so they keep the page's width."""
    ax.figure.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 3))


def _title_of(run: Run, impl: str) -> str:
    server = run.server(impl)
    return server.title if server else impl


def _default_labels(run: Run) -> dict[str, str]:
    return {s.impl: s.title for s in run.defaults() if s.measured}


def throughput_vs_users(run: Run, scenario: str) -> Chart | None:
    """Requests/s against concurrent users, a line per server variant."""
    servers = [s for s in run.servers if s.measured and len(s.closed(scenario)) > 1]
    if not servers:
        return None
    fig = svg.new_figure()
    ax = fig.add_subplot()
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
                    markeredgecolor="#222222", zorder=0)  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted({p.users for s in servers for p in s.closed(scenario)}))
    ax.get_xaxis().set_major_formatter("{x:g}")
    ax.set_xlabel("concurrent users (closed loop, log scale)")
    ax.set_ylabel("throughput (requests/s)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"Throughput vs concurrency: {scenario}")
    _client_bound_legend(ax, bars=False, marked=any_bound)
    return Chart(
        f"throughput-{scenario}",
        f"Throughput vs concurrency, {scenario} scenario",
        "Where each line flattens is that server's capacity on its core; the gap between the "
        "lines at the right is the framework's cost. Error bars span the lowest to highest "
        "repeat; a hollow ring marks a client-bound point.",
        svg.to_svg(fig),
    )


def peak_by_scenario(run: Run) -> Chart | None:
    """Peak throughput of every scenario, a bar per implementation."""
    labels = _default_labels(run)
    if not labels or not run.scenarios:
        return None
    series = {
        impl: [measures.throughput(run.server(impl), s) for s in run.scenarios]  # type: ignore[arg-type]
        for impl in labels
    }
    fig = svg.new_figure()
    ax = fig.add_subplot()
    grouped_bars(ax, run.scenarios, series, labels)
    ax.set_ylabel("peak throughput (requests/s)")
    ax.set_title("Peak throughput per scenario")
    _client_bound_legend(ax)
    return Chart(
        "peak-throughput",
        "Peak throughput per scenario",
        "The best closed-loop point of each scenario. health is the framework's floor, the "
        "others go through the ORM and validation. Hatched bars were client-bound: the real "
        "server capacity is higher than shown.",
        svg.to_svg(fig),
    )


def latency_at_fixed_load(run: Run, scenario: str) -> Chart | None:
    """p50 and p99 at the same offered load, a bar per implementation."""
    labels = {i: t for i, t in _default_labels(run).items() if run.server(i).fixed(scenario)}  # type: ignore[union-attr]
    if not labels:
        return None
    fig = svg.new_figure()
    axes = fig.subplots(1, 2)
    for ax, name in zip(axes, ("p50", "p99"), strict=True):
        series = {}
        for impl in labels:
            point = run.server(impl).fixed(scenario)  # type: ignore[union-attr]
            spread = point.latency.get(name) if point else None
            series[impl] = [Measure(spread, point.client_bound) if spread and point else None]
        grouped_bars(ax, [name], series, labels, "{:.1f}")
        ax.set_ylabel(f"{name} latency (ms)")
        ax.set_ylim(bottom=0)
    offered = run.settings.get("offered_rps", 0)
    axes[0].set_title(f"Latency at {offered:g} req/s offered: {scenario}", loc="left")
    _client_bound_legend(axes[1])
    return Chart(
        f"latency-{scenario}",
        f"Latency at a fixed offered load, {scenario} scenario",
        f"Every framework got the same {offered:g} requests/s, so these percentiles compare "
        "like with like. Lower is better; error bars span the repeats.",
        svg.to_svg(fig),
    )


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
    fig = svg.new_figure(height=3.0)
    ax = fig.add_subplot()
    grouped_bars(ax, scenarios, series, labels, "{:.0%}")
    ax.yaxis.set_major_formatter("{x:.0%}")
    ax.set_ylabel("share of its own GET /health throughput")
    ax.set_title(f"Throughput as a fraction of the framework floor ({users} users)")
    _client_bound_legend(ax)
    return Chart(
        "floor-fraction",
        "Throughput as a fraction of each framework's own floor",
        "1 minus the bar is what the database, the ORM and validation cost each framework: a "
        "low bar means the framework's own floor matters little once work is done. A "
        "client-bound floor makes its bar look higher than it is.",
        svg.to_svg(fig),
    )


def _bars_chart(
    run: Run, name: str, title: str, caption: str, ylabel: str,
    figure: Callable[[Server, str], Measure | None], value_format: str,
) -> Chart | None:  # fmt: skip
    labels = _default_labels(run)
    scenarios = [s for s in run.scenarios if any(run.server(i).peak(s) for i in labels)]  # type: ignore[union-attr]
    if not labels or not scenarios:
        return None
    series = {impl: [figure(run.server(impl), s) for s in scenarios] for impl in labels}  # type: ignore[arg-type]
    if not any(m for values in series.values() for m in values):
        return None
    fig = svg.new_figure(height=3.0)
    ax = fig.add_subplot()
    grouped_bars(ax, scenarios, series, labels, value_format)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _client_bound_legend(ax)
    return Chart(name, title, caption, svg.to_svg(fig))


def cpu_per_1000(run: Run) -> Chart | None:
    """Server CPU-seconds per 1,000 requests per scenario."""
    return _bars_chart(
        run, "cpu-per-1000", "Server CPU per 1,000 requests",
        "CPU time the whole server process tree spent per 1,000 requests at each scenario's "
        "peak: what a request costs, whatever the core count. Lower is better.",
        "CPU-seconds per 1,000 requests", measures.cpu_per_1000, "{:.2f}",
    )  # fmt: skip


def memory(run: Run) -> Chart | None:
    """Peak resident memory per worker and in total, per scenario."""
    labels = _default_labels(run)
    main = measures.main_scenario(run)
    if not labels or not main:
        return None
    fig = svg.new_figure()
    axes = fig.subplots(1, 2)
    groups = ["idle\nper worker", f"peak per worker\n({main})"]
    per_worker = {
        impl: [
            measures.idle_memory_per_worker(run.server(impl)),  # type: ignore[arg-type]
            measures.memory_per_worker(run.server(impl), main),  # type: ignore[arg-type]
        ]
        for impl in labels
    }
    totals = {impl: [measures.memory_total(run.server(impl), main)] for impl in labels}  # type: ignore[arg-type]
    grouped_bars(axes[0], groups, per_worker, labels, "{:.0f}")
    grouped_bars(axes[1], [f"peak, all workers ({main})"], totals, labels, "{:.0f}")
    for ax in axes:
        ax.set_ylabel("resident memory (MiB)")
    workers = ", ".join(f"{t} {run.server(i).workers}" for i, t in labels.items())  # type: ignore[union-attr]
    axes[0].set_title(f"Memory (workers: {workers})", loc="left")
    _client_bound_legend(axes[1])
    return Chart(
        "memory",
        "Memory per worker and in total",
        "Resident memory (RSS) of the server processes: right after start, and at the peak of "
        f"the {main} scenario. Per worker is the whole process tree (a gunicorn master "
        "included) divided by the worker count; totals differ with the worker count each server "
        "model's rule gives, so read both.",
        svg.to_svg(fig),
    )


def startup(run: Run) -> Chart | None:
    """Seconds from start to the first healthy answer."""
    servers = [s for s in run.servers if s.measured and s.startup]
    if not servers:
        return None
    fig = svg.new_figure(height=0.5 + 0.45 * len(servers))
    ax = fig.add_subplot()
    names = [f"{s.title} ({s.variant})" for s in servers]
    values = [measures.startup(s) for s in servers]
    y = np.arange(len(servers))
    ax.barh(
        y, [m.value for m in values if m], xerr=_errors(values),
        color=[colour(s.impl, i) for i, s in enumerate(servers)], ecolor="#333333",
    )  # fmt: skip
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("seconds from `taskbench serve` to the first healthy answer")
    ax.set_title("Startup time (migrations included)")
    return Chart(
        "startup",
        "Startup time",
        "From starting the server command (which first runs the migration tool) to GET /health "
        "answering 200, the median of every server start in the run with its range.",
        svg.to_svg(fig),
    )


def lines_by_role(run: Run, facts: Facts) -> Chart | None:
    """Source lines per implementation, stacked by role."""
    found = {i: c for i in run.impls if (c := factsview.code(facts, i))}
    if not found:
        return None
    fig = svg.new_figure(height=0.9 + 0.5 * len(found))
    ax = fig.add_subplot()
    y = np.arange(len(found))
    left = np.zeros(len(found))
    shades = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#937860", "#8172B3", "#BBBBBB")
    for (role, label), shade in zip(ROLES.items(), shades, strict=True):
        widths = np.array([c["roles"][role]["sloc"] for c in found.values()])
        ax.barh(y, widths, left=left, label=label, color=shade,
                hatch="..." if role == "migrations" else None, edgecolor="white")  # fmt: skip
        left += widths
    ax.set_yticks(y, [_title_of(run, i) for i in found])
    ax.invert_yaxis()
    ax.set_xlabel("source lines of code (radon SLOC)")
    ax.set_title("Lines of code by role")
    legend_below(ax, *ax.get_legend_handles_labels())
    return Chart(
        "lines-by-role",
        "Lines of code by role",
        "Source lines (no blank lines, comments or docstrings) of each implementation by what "
        "they do. Migrations are dotted: written by a tool or by hand, they are counted apart "
        "from the totals elsewhere.",
        svg.to_svg(fig),
    )


def dependency_sizes(run: Run, facts: Facts) -> Chart | None:
    """Installed size and package count of each implementation's extra."""
    found = {i: d for i in run.impls if (d := factsview.dependencies(facts, i))}
    if not found:
        return None
    fig = svg.new_figure(height=0.9 + 0.45 * len(found))
    ax = fig.add_subplot()
    y = np.arange(len(found))
    sizes = [d["bytes"] / measures.MIB for d in found.values()]
    bars = ax.barh(y, sizes, color=[colour(i, n) for n, i in enumerate(found)])
    for bar, entry in zip(bars, found.values(), strict=True):
        ax.annotate(
            f" {entry['count']} packages", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            va="center", fontsize=8,
        )  # fmt: skip
    ax.set_yticks(y, [_title_of(run, i) for i in found])
    ax.invert_yaxis()
    ax.set_xlabel("installed size in a clean venv (MiB)")
    ax.set_xlim(right=max(sizes) * 1.3)
    ax.set_title("Dependencies of each implementation")
    return Chart(
        "dependencies",
        "Installed size of each implementation's dependencies",
        "Everything `pip install` puts in a clean venv for the implementation's extra (its "
        "framework, server, ORM, drivers and validation), bytecode included.",
        svg.to_svg(fig),
    )


def performance_charts(run: Run) -> list[Chart]:
    """The charts of the performance section, in reading order."""
    found = [peak_by_scenario(run)]
    found += [throughput_vs_users(run, s) for s in measures.swept_scenarios(run)]
    found += [latency_at_fixed_load(run, s) for s in measures.fixed_scenarios(run)]
    found += [floor_fraction(run), cpu_per_1000(run), memory(run), startup(run)]
    return [c for c in found if c]

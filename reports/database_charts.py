"""Charts of the section "When the database takes its time", in the `database` group.

Added latency runs along the x axis as evenly spaced levels (0, 1, 10, 100 ms), figures on a
log scale up the y axis, since they span two orders of magnitude; a line per implementation's
default variant, error bars across rounds. The other variants, measured at the slow level only,
are bars of their own.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from reports import fmt, slow_database, svg
from reports.charts import (
    MARKERS,
    Chart,
    _errors,
    _title,
    colour,
    finished,
    frame,
    series_legend,
    value_label,
    wrap,
)
from reports.measures import Measure
from reports.results import Run, Server

GROUP = "database"
SYNC_HATCH = "..."  # a sync or threaded variant (client-bound bars elsewhere are "///")
GREY = "#999999"


def _log_axis(ax: Axes, label: str) -> None:
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 3.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel(label)


def _by_level(
    run: Run, figure: str
) -> tuple[list[float], list[tuple[Server, list[Measure | None]]]]:
    levels = slow_database.levels(run)
    read = slow_database.capacity if figure == "capacity" else slow_database.one_user
    found = [
        (server, [read(run, server, level) for level in levels])
        for server in run.defaults()
        if server.measured
    ]
    return levels, [(s, v) for s, v in found if sum(m is not None for m in v) > 1]


def _against_latency(run: Run, figure: str, title: str, ylabel: str) -> str | None:
    levels, found = _by_level(run, figure)
    if not found or slow_database.why_not_shown(run):
        return None
    fig = svg.new_figure(3.1 + 0.22 * len(found))
    ax = fig.add_subplot()
    frame(ax)
    x = np.arange(len(levels))
    for index, (server, values) in enumerate(found):
        shown = [(i, m) for i, m in enumerate(values) if m is not None]
        ax.errorbar(
            [x[i] for i, _ in shown], [m.value for _, m in shown],
            yerr=_errors([m for _, m in shown]), fmt="-",
            marker=MARKERS.get(server.impl, "D"), color=colour(server.impl, index),
            label=f"{server.title} ({server.variant})",
        )  # fmt: skip
    ax.set_xticks(x, [f"{level:g} ms" for level in levels])
    ax.set_xlabel("added per database round trip")
    _log_axis(ax, ylabel)
    _title(fig, title)
    series_legend(fig, ax, bars=False, marked=False)
    return finished(fig)


@svg.styled
def capacity_against_latency(run: Run) -> Chart | None:
    """Read throughput at the peak users level against added latency, per implementation."""
    users = slow_database.peak_users(run)
    drawn = _against_latency(
        run, "capacity", f"Reads at {users} users vs database latency", "requests/s (log scale)"
    )
    if drawn is None:
        return None
    return Chart(
        "database-capacity",
        GROUP,
        "Capacity against added database latency",
        f"Read throughput at {users} users, each implementation's default variant, with a "
        "fixed time added to every database round trip. Once the database takes its time, a "
        "server serves about as many requests at once as it keeps database connections busy: "
        "the line falls with the latency, and its height is set by concurrency, not by the "
        "framework's CPU. Higher is better; error bars span the rounds.",
        drawn,
    )


@svg.styled
def one_user_against_latency(run: Run) -> Chart | None:
    """One user's p50 against added latency, per implementation."""
    drawn = _against_latency(
        run, "one_user", "One user's p50 vs database latency", "p50 (ms, log scale)"
    )
    if drawn is None:
        return None
    return Chart(
        "database-one-user",
        GROUP,
        "One request's time against added database latency",
        "The median time of one request with one user, each implementation's default variant. "
        "With the database far away it is about the request's round trips times the latency "
        "(the round-trip table below), whatever the framework. Lower is better.",
        drawn,
    )


@svg.styled
def every_variant_when_slow(run: Run) -> Chart | None:
    """Read throughput at the slow level, a bar per variant, async ones hatched apart."""
    level = slow_database.SLOW_MS
    found = [
        (server, m)
        for server in run.servers
        if (m := slow_database.capacity(run, server, level)) is not None
    ]
    if len(found) < 2 or slow_database.why_not_shown(run):
        return None
    names = [f"{wrap(s.title)}\n({s.variant})" for s, _ in found]
    lines = max(name.count("\n") + 1 for name in names)
    fig = svg.new_figure(1.5 + len(found) * (0.1 + 0.16 * lines))
    ax = fig.add_subplot()
    y = np.arange(len(found))
    values = [m for _, m in found]
    bars = ax.barh(
        y, [m.value for m in values], xerr=_errors(values),
        color=[colour(s.impl, i) for i, (s, _) in enumerate(found)], ecolor="#333333",
    )  # fmt: skip
    for bar, (server, _) in zip(bars, found, strict=True):
        if not slow_database.is_async(server):
            bar.set_hatch(SYNC_HATCH)
            bar.set_edgecolor("white")
    for i, m in enumerate(values):
        value_label(ax, fmt.number(m.value, "req/s"), m.spread.high, i, i)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.grid(axis="y", visible=False)
    frame(ax)
    users = slow_database.peak_users(run)
    ax.set_xlabel(f"requests/s, reads at {users} users")
    _title(fig, f"Every variant at {level:g} ms per round trip")
    fig.legend(
        [Patch(facecolor=GREY), Patch(facecolor=GREY, edgecolor="white", hatch=SYNC_HATCH)],
        ["async (an event loop)", "sync or threaded"],
        loc="outside lower center", ncols=2,
    )  # fmt: skip
    return Chart(
        "database-variants",
        GROUP,
        f"Every variant with {level:g} ms added per round trip",
        f"Read throughput at {users} users with the database {level:g} ms away, "
        "every server variant: how each concurrency model (an event loop, a process per "
        "request, threads) copes once requests mostly wait. Solid bars run an event loop, "
        "dotted ones are sync or threaded. Higher is better; error bars span the rounds.",
        finished(fig),
    )


def all_charts(run: Run) -> list[Chart]:
    """The section's charts, in reading order."""
    found = [
        capacity_against_latency(run),
        one_user_against_latency(run),
        every_variant_when_slow(run),
    ]
    return [c for c in found if c]

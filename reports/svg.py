"""matplotlib figures as deterministic SVG: the same figures give the same bytes on every run.

Text stays text (`svg.fonttype: none`): a reader can search, select and copy it, and a screen
reader reads it. matplotlib lays it out with its own DejaVu Sans; the browser draws it with the
first font of FONTS it has. DejaVu Sans is the widest of them (Bitstream Vera Sans has the same
metrics, Liberation Sans, Arial and Helvetica are narrower), so a label laid out to fit in
DejaVu fits in any of them. Wider fonts such as Verdana are left out on purpose.

Every chart is WIDTH inches wide with no text smaller than MIN_FONT points, so the page shows it
at least MIN_WIDTH_PX pixels wide (CSS) and its smallest text is never under 10 px on a phone.
"""

from __future__ import annotations

import functools
import html
import io
import re
from collections.abc import Callable

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

WIDTH = 4.8  # inches: 345.6 SVG units, shown at least MIN_WIDTH_PX wide
MIN_FONT = 10  # points: the smallest text of any chart
MIN_WIDTH_PX = WIDTH * 72 * 10 / MIN_FONT  # where MIN_FONT renders 10 px high
FONTS = ["DejaVu Sans", "Bitstream Vera Sans", "Liberation Sans", "Arial", "Helvetica"]
STYLE = {
    "svg.hashsalt": "taskbench",  # ids derive from this, not from a random salt
    "svg.fonttype": "none",  # text as text, in the font stack below
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": MIN_FONT,
    "axes.titlesize": MIN_FONT + 1,
    "axes.titlelocation": "left",
    "axes.titleweight": "bold",
    "axes.labelsize": MIN_FONT,
    "xtick.labelsize": MIN_FONT,
    "ytick.labelsize": MIN_FONT,
    "legend.fontsize": MIN_FONT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "legend.frameon": False,
    "errorbar.capsize": 3,
    "figure.constrained_layout.h_pad": 0.06,  # inches kept clear at the edges, so a
    "figure.constrained_layout.w_pad": 0.06,  # browser's rounding never touches them
}
XML_PROLOGUE = re.compile(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
STYLE_BLOCK = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
ID = re.compile(r'\bid="([^"]+)"')
SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')
# matplotlib names clip paths, markers and hatches by a hash of their coordinates, whose last
# bits differ from one CPU to another; the ids are numbered in order of appearance instead.
HASHED_ID = re.compile(r'(?<=id=")[a-z][0-9a-f]{10}(?=")|(?<=#)[a-z][0-9a-f]{10}\b')


def styled[**P, R](draw: Callable[P, R]) -> Callable[P, R]:
    """Draw a chart with the report's style in force for every artist it creates."""

    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(STYLE):
            return draw(*args, **kwargs)

    return drawn


def new_figure(height: float = 3.4) -> Figure:
    """A figure in the report's style, WIDTH inches wide (the page scales it to fit)."""
    with mpl.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH, height), layout="constrained")
    FigureCanvasAgg(figure)  # measures text while the chart is laid out
    return figure


def to_svg(figure: Figure) -> str:
    """The figure as a standalone SVG document, without a creation date."""
    buffer = io.StringIO()
    with mpl.rc_context(STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return numbered_ids(buffer.getvalue())


def numbered_ids(svg: str) -> str:
    """The SVG with each hash-named id renamed by its kind and order: `p1`, `p2`, `m1`..."""
    names: dict[str, str] = {}
    for found in HASHED_ID.findall(svg):
        if found not in names:
            kind = found[0]
            names[found] = f"{kind}{sum(name[0] == kind for name in names) + 1}"
    return HASHED_ID.sub(lambda match: names[match.group()], svg)


def inline(svg: str, prefix: str, label: str) -> str:
    """An SVG document made fit to sit inside HTML next to others.

    The XML prologue and metadata go, ids get a per-chart prefix so that two charts never share
    one, the global `*` style matplotlib adds is dropped, and the size follows the page's width.
    """
    svg = XML_PROLOGUE.sub("", svg)
    svg = METADATA.sub("", svg)
    svg = STYLE_BLOCK.sub("", svg)
    ids = set(ID.findall(svg))
    for old in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f"#{old})", f"#{new})").replace(f'"#{old}"', f'"#{new}"')
    return SIZE.sub(
        rf'<svg\1 role="img" aria-label="{html.escape(label)}" class="chart-svg"',
        svg.strip(),
        count=1,
    )

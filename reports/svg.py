"""matplotlib figures as deterministic SVG: the same figures give the same bytes on every run."""

from __future__ import annotations

import html
import io
import re

import matplotlib as mpl
from matplotlib.figure import Figure

STYLE = {
    "svg.hashsalt": "taskbench",  # ids derive from this, not from a random salt
    "svg.fonttype": "path",  # glyphs as paths from matplotlib's own DejaVu font: same everywhere
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "errorbar.capsize": 3,
}
XML_PROLOGUE = re.compile(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
STYLE_BLOCK = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
ID = re.compile(r'\bid="([^"]+)"')
SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')


def new_figure(width: float = 7.2, height: float = 3.4) -> Figure:
    """A figure in the report's style (inches; the page scales it to its width)."""
    with mpl.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def to_svg(figure: Figure) -> str:
    """The figure as a standalone SVG document, without a creation date."""
    buffer = io.StringIO()
    with mpl.rc_context(STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


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

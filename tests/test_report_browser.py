"""The HTML report opened in headless Chromium at a phone's, a tablet's and a laptop's width: no
console error, no request off the page, every chart drawn with its text as text, inside the
chart and readable on a phone, no page wider than its window, wide tables scrolling in their
own box with their first column kept, and the section bar in reach from anywhere.

Chromium is Debian's (`nox -s tests` installs it when it can); without it the test skips with
the reason, except in CI, where it fails. The browser is driven over the DevTools protocol and
may load only the local file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from reports import render
from tests.helpers import REPORT_FIXTURES

SAMPLE = Path(__file__).resolve().parent.parent / "reports" / "sample"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-port=0",
]  # fmt: skip
# The widths the page is read at: a phone, a tablet, a wide laptop screen.
SCREENS = {
    390: {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    768: {"width": 768, "height": 1024, "deviceScaleFactor": 1, "mobile": True},
    1400: {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False},
}
PHONE = 390
SMALLEST_TEXT_PX = 10  # on a phone
TABLES_THAT_FIT_AT_1400 = ("code", "docs")
# With every <details> open (the worst case): each chart's size, its text (what lies outside
# the chart, what overlaps other text, value labels outside their plot, the smallest rendered
# font size), each table box and whether it can scroll, and whether the page is wider than
# the window.
INSPECT = """(() => {
  const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5
    && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const charts = [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    const scale = svg && svg.getScreenCTM() ? svg.getScreenCTM().a : 1;
    const texts = svg ? [...svg.querySelectorAll('text')].map(t => ({
      text: t.textContent, box: t.getBoundingClientRect(),
      size: parseFloat(getComputedStyle(t).fontSize) * scale,
    })) : [];
    const overlapping = [];
    texts.forEach((a, i) => texts.slice(i + 1).forEach(b => {
      if (overlap(a.box, b.box)) overlapping.push([a.text, b.text]);
    }));
    const unframed = svg ? [...svg.querySelectorAll('g[id*="-value-"]')].filter(g => {
      const found = g.id.match(/^(.*)-value-(\\d+)-\\d+$/);
      const frame = found && document.getElementById(`${found[1]}-frame-${found[2]}`);
      return !frame || !inside(g.getBoundingClientRect(), frame.getBoundingClientRect());
    }).map(g => g.textContent.trim()) : [];
    return {
      name: f.dataset.chart, width: box.width, height: box.height,
      shapes: svg ? svg.querySelectorAll('path, use, rect, line').length : 0,
      texts: texts.length, outside: texts.filter(t => !inside(t.box, box)).map(t => t.text),
      overlapping, unframed, scrolls: f.scrollWidth > f.clientWidth + 1,
      smallest: texts.length ? Math.min(...texts.map(t => t.size)) : null,
    };
  });
  const tables = [...document.querySelectorAll('.table-wrap')].map(w => {
    const box = w.getBoundingClientRect();
    const firsts = [...w.querySelectorAll('tr > :first-child')];
    return {
      section: w.closest('section') ? w.closest('section').id : null,
      head: w.querySelector('th, td').textContent, left: box.left, right: box.right,
      wide: w.scrollWidth > w.clientWidth + 1,
      scrolls: ['auto', 'scroll'].includes(getComputedStyle(w).overflowX),
      sticky: firsts.every(c => getComputedStyle(c).position === 'sticky'),
    };
  });
  return JSON.stringify({
    charts, tables, width: window.innerWidth,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  });
})()"""
# From the foot of the page: is the section bar in view and its first link the one a tap hits;
# does a link to a section bring its heading below the bar; and does the first column of a
# wide table stay in view while the table scrolls sideways.
NAVIGATE = """(() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const bar = document.querySelector('nav.bar');
  const barBox = bar.getBoundingClientRect();
  const links = [...bar.querySelectorAll('a')];
  const first = links[1].getBoundingClientRect();
  const hit = document.elementFromPoint(first.left + first.width / 2, first.top + first.height / 2);
  const list = bar.querySelector('ol');
  const reachable = list.scrollWidth <= list.clientWidth + 1
    || ['auto', 'scroll'].includes(getComputedStyle(list).overflowX);
  location.hash = '#claims';
  const heading = document.querySelector('#claims h2').getBoundingClientRect();
  const wide = [...document.querySelectorAll('.table-wrap')]
    .find(w => w.offsetParent && w.scrollWidth > w.clientWidth + 40);
  let kept = null;
  if (wide) {
    wide.scrollIntoView();
    wide.scrollLeft = 40;
    const cell = wide.querySelector('tbody tr > :first-child').getBoundingClientRect();
    kept = Math.abs(cell.left - wide.getBoundingClientRect().left) < 1;
  }
  return JSON.stringify({
    barInView: barBox.top >= 0 && barBox.bottom <= window.innerHeight, links: links.length,
    hit: hit === links[1] || links[1].contains(hit), reachable,
    headingBelowBar: heading.top >= bar.getBoundingClientRect().bottom - 1, kept,
  });
})()"""

# As the page opens, before any scrolling: are the "What to choose" heading and its whole list
# within the window?
FIRST_SCREEN = """(() => {
  const heading = document.querySelector('#choose h2').getBoundingClientRect();
  const list = document.querySelector('#choose ul.choices').getBoundingClientRect();
  return JSON.stringify({
    heading: heading.top >= 0 && heading.bottom <= window.innerHeight,
    list: list.top >= 0 && list.bottom <= window.innerHeight,
    items: document.querySelectorAll('#choose ul.choices > li').length,
  });
})()"""


def chromium() -> str:
    """Chromium's path, or skip (fail in CI) with the reason."""
    found = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if found:
        return found
    reason = f"{CHROMIUM} is missing: `nox -s tests` installs Debian's chromium when run as root"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


class DevTools:
    """A small Chrome DevTools Protocol client: calls, and the events that arrive meanwhile."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.events: list[dict[str, Any]] = []
        self.last_id = 0

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its answer."""
        self.last_id += 1
        message: dict[str, Any] = {"id": self.last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv(timeout=30))
            if reply.get("id") != self.last_id:
                self.events.append(reply)
            elif "error" in reply:
                raise AssertionError(f"{method}: {reply['error']}")
            else:
                return reply["result"]

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        """Wait until an event of this kind has arrived."""
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(self.socket.recv(timeout=deadline - time.monotonic())))

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, error log entries and requests off the page."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                found.append(f"console.{params['type']}: {params['args']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    found.append(f"request off the page: {url}")
        return found


@contextlib.contextmanager
def browser(profile: Path) -> Iterator[DevTools]:
    """Headless Chromium with a fresh profile, stopped whatever happens."""
    process = subprocess.Popen(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or len(port_file.read_text().split()) < 2:
            assert process.poll() is None, f"Chromium exited with {process.returncode}"
            assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
            time.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as socket:
            yield DevTools(socket)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def open_page(tools: DevTools, page: Path, width: int) -> str:
    """Open the page at one of SCREENS in a new tab; return the tab's session."""
    target = tools.call("Target.createTarget", url="about:blank")["targetId"]
    session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Runtime", "Log", "Network", "Page"):
        tools.call(f"{domain}.enable", session)
    tools.call("Emulation.setDeviceMetricsOverride", session, **SCREENS[width])
    tools.events.clear()
    tools.call("Page.navigate", session, url=page.as_uri())
    tools.wait_for("Page.loadEventFired")
    return session


def evaluate(tools: DevTools, session: str, script: str) -> dict[str, Any]:
    """Run a script that returns JSON in the page, and read its answer."""
    found = tools.call("Runtime.evaluate", session, expression=script, returnByValue=True)
    assert "exceptionDetails" not in found, found["result"].get("description")
    return json.loads(found["result"]["value"])


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    """One headless Chromium for the module."""
    with browser(tmp_path_factory.mktemp("chromium")) as found:
        yield found


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The fixture report, the one of the run with database latencies, and the committed
    sample once there is one."""
    found = [
        render.report_dir(
            REPORT_FIXTURES / results, REPORT_FIXTURES / "facts.json",
            tmp_path_factory.mktemp("report"),
        )["html"]
        for results in ("results.json", "dblatency/results.json")
    ]  # fmt: skip
    if (SAMPLE / "report.html").is_file():
        found.append(SAMPLE / "report.html")
    return found


def chart_problems(chart: dict[str, Any], width: int) -> list[str]:
    """What is wrong with one chart as drawn at one width."""
    problems = [f"text outside the chart: {t!r}" for t in chart["outside"]]
    problems += [f"text over text: {a!r} and {b!r}" for a, b in chart["overlapping"]]
    problems += [f"value label outside its plot: {t!r}" for t in chart["unframed"]]
    if chart["width"] <= 300 or chart["height"] <= 100 or chart["shapes"] <= 10:
        problems.append(f"not drawn: {chart['width']} x {chart['height']}, {chart['shapes']}")
    if not chart["texts"]:
        problems.append("no text: drawn as outlines?")
    elif width == PHONE and chart["smallest"] < SMALLEST_TEXT_PX:
        problems.append(f"text {chart['smallest']:.1f} px high on a phone")
    if width == PHONE and chart["scrolls"]:
        problems.append("wider than a phone's screen")
    return problems


def table_problems(table: dict[str, Any], width: int) -> list[str]:
    """What is wrong with one table box: outside the window, or too wide and not scrolling."""
    problems = []
    if table["left"] < -0.5 or table["right"] > width + 0.5:
        problems.append("box outside the window")
    if table["wide"] and not (table["scrolls"] and table["sticky"]):
        problems.append("wider than its box, and it does not scroll with its first column kept")
    if width == 1400 and table["section"] in TABLES_THAT_FIT_AT_1400 and table["wide"]:
        problems.append("does not fit a 1400 px screen")
    return problems


@pytest.mark.parametrize("width", list(SCREENS))
def test_report_reads_well_at_each_width(width: int, tools: DevTools, pages: list[Path]) -> None:
    for page in pages:
        session = open_page(tools, page, width)
        found = evaluate(tools, session, INSPECT)
        moved = evaluate(tools, session, NAVIGATE)

        assert tools.problems() == [], page
        assert found["overflow"] <= 0, f"{page} scrolls sideways at {width} px"
        assert len(found["charts"]) >= 9, page
        charts = {c["name"]: chart_problems(c, width) for c in found["charts"]}
        assert {name: p for name, p in charts.items() if p} == {}, f"{page} at {width} px"
        tables = {f"{t['section']}: {t['head']}": table_problems(t, width) for t in found["tables"]}
        assert {name: p for name, p in tables.items() if p} == {}, f"{page} at {width} px"
        assert moved == {
            "barInView": True, "links": len(render.SECTIONS) + 1, "hit": True, "reachable": True,
            "headingBelowBar": True, "kept": True if width < 1400 else moved["kept"],
        }, f"{page} at {width} px"  # fmt: skip


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><div style='width: 2000px'>wide</div>"
        "<figure class='chart' data-chart='empty'><svg></svg></figure>"
        "<figure class='chart' data-chart='bad'><svg viewBox='0 0 400 200' width='400'>"
        "<g id='bad-frame-0'><rect x='0' y='0' width='200' height='200'/></g>"
        "<g id='bad-value-0-0'><text x='190' y='50' style='font-size: 10px'>far</text></g>"
        "<text x='10' y='100' style='font-size: 10px'>overlapping</text>"
        "<text x='12' y='102' style='font-size: 10px'>text</text>"
        "<text x='390' y='150' style='font-size: 4px'>cut off at the edge</text>"
        "</svg></figure>"
        "<script>console.error('boom'); undefinedFunction();</script></body></html>",
        encoding="utf-8",
    )

    with browser(tmp_path / "profile") as tools:
        found = evaluate(tools, open_page(tools, page, PHONE), INSPECT)

    problems = tools.problems()
    assert any("console.error" in p and "boom" in p for p in problems), problems
    assert any(p.startswith("exception:") for p in problems), problems
    assert found["overflow"] > 0
    empty, bad = found["charts"]
    assert (empty["width"], empty["height"], empty["shapes"], empty["texts"]) == (300, 150, 0, 0)
    assert "no text: drawn as outlines?" in chart_problems(empty, PHONE)
    assert bad["outside"] == ["cut off at the edge"]
    assert bad["overlapping"] == [["overlapping", "text"]]
    assert bad["unframed"] == ["far"]
    assert "text 4.0 px high on a phone" in chart_problems(bad, PHONE)
    wide = {
        "left": 0,
        "right": 500,
        "wide": True,
        "scrolls": False,
        "sticky": False,
        "section": "x",
    }
    assert table_problems(wide, PHONE) == [
        "box outside the window",
        "wider than its box, and it does not scroll with its first column kept",
    ]


# Printed, what the screen folds away shows: whether each folded part's content is rendered.
PRINTED = """JSON.stringify([...document.querySelectorAll('details.fold')].map(d => ({
  summary: d.querySelector('summary').textContent,
  shown: d.lastElementChild.checkVisibility(),
})))"""


def test_print_shows_what_the_screen_folds_away(tools: DevTools, pages: list[Path]) -> None:
    session = open_page(tools, pages[0], 1400)
    tools.call("Emulation.setEmulatedMedia", session, media="print")

    printed = evaluate(tools, session, PRINTED)

    assert len(printed) >= 5
    assert [p["summary"] for p in printed if not p["shown"]] == []


def test_what_to_choose_is_on_the_first_screen_at_1400(tools: DevTools, pages: list[Path]) -> None:
    for page in pages:
        session = open_page(tools, page, 1400)

        found = evaluate(tools, session, FIRST_SCREEN)

        assert found == {"heading": True, "list": True, "items": 5}, page

"""The HTML report opened in headless Chromium: no console error, no request off the page, every
chart drawn, and nothing wider than a laptop screen.

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
LAPTOP = {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False}
# Every chart's size and how many shapes it drew, and whether the page is wider than the window.
INSPECT = """JSON.stringify({
  charts: [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {name: f.dataset.chart, width: box.width, height: box.height,
            shapes: svg ? svg.querySelectorAll('path, use, rect, line').length : 0};
  }),
  overflow: document.documentElement.scrollWidth - window.innerWidth,
})"""


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


def open_report(tools: DevTools, page: Path) -> dict[str, Any]:
    """Load the page at laptop size and inspect its charts."""
    target = tools.call("Target.createTarget", url="about:blank")["targetId"]
    session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Runtime", "Log", "Network", "Page"):
        tools.call(f"{domain}.enable", session)
    tools.call("Emulation.setDeviceMetricsOverride", session, **LAPTOP)
    tools.call("Page.navigate", session, url=page.as_uri())
    tools.wait_for("Page.loadEventFired")
    found = tools.call("Runtime.evaluate", session, expression=INSPECT, returnByValue=True)
    return json.loads(found["result"]["value"])


def reports_to_open(tmp_path: Path) -> list[Path]:
    """The fixture report, and the committed sample once there is one."""
    pages = [
        render.report_dir(
            REPORT_FIXTURES / "results.json", REPORT_FIXTURES / "facts.json", tmp_path
        )["html"]
    ]
    if (SAMPLE / "report.html").is_file():
        pages.append(SAMPLE / "report.html")
    return pages


def test_report_opens_in_chromium_without_errors_and_draws_every_chart(tmp_path: Path) -> None:
    for page in reports_to_open(tmp_path / "report"):
        with browser(tmp_path / f"profile-{page.parent.name}") as tools:
            found = open_report(tools, page)

        assert tools.problems() == [], page
        assert len(found["charts"]) >= 9, page
        for chart in found["charts"]:
            assert chart["width"] > 300, chart
            assert chart["height"] > 100, chart
            assert chart["shapes"] > 10, chart
        assert found["overflow"] <= 0, f"{page} is wider than a 1366 px screen"


def test_the_check_catches_a_console_error_an_exception_and_an_empty_chart(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><figure class='chart' data-chart='empty'><svg></svg></figure>"
        "<script>console.error('boom'); undefinedFunction();</script></body></html>",
        encoding="utf-8",
    )

    with browser(tmp_path / "profile") as tools:
        found = open_report(tools, page)

    problems = tools.problems()
    assert any("console.error" in p and "boom" in p for p in problems), problems
    assert any(p.startswith("exception:") for p in problems), problems
    assert found["charts"] == [{"name": "empty", "width": 300, "height": 150, "shapes": 0}]

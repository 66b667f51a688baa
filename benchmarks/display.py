"""The live progress display (rich), or one plain line per window when not on a terminal."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

RECENT = 8


def clock(seconds: float) -> str:
    """Seconds as m:ss (or h:mm:ss)."""
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class Current:
    """The window running now."""

    target: str = ""
    scenario: str = ""
    load: str = ""
    round: str = ""
    phase: str = "preparing"
    phase_started: float = field(default_factory=time.monotonic)
    phase_seconds: float = 0.0
    requests: int = 0
    rate: float = 0.0
    last_tick: tuple[float, int] | None = None


class Progress:
    """What the run is doing, how far it is, and what it measured so far."""

    def __init__(
        self, total_windows: int, planned_seconds: float, window_seconds: float, live: bool
    ) -> None:
        self.console = Console(stderr=True)
        self.total = total_windows
        self.window_seconds = window_seconds
        self.planned = planned_seconds
        self.done = 0
        self.started = time.monotonic()
        self.now = Current()
        self.recent: deque[tuple[str, ...]] = deque(maxlen=RECENT)
        self.live = Live(get_renderable=self.render, console=self.console, refresh_per_second=4)
        self.is_live = live and self.console.is_terminal

    def __enter__(self) -> Progress:
        if self.is_live:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.is_live:
            self.live.stop()

    def remaining(self) -> float:
        """Seconds still to go: the plan's estimate, corrected by the pace so far."""
        elapsed = time.monotonic() - self.started
        if self.done:
            return elapsed / self.done * (self.total - self.done)
        return max(self.planned - elapsed, 0.0)

    def round(self, number: int, rounds: int) -> None:
        """A new round begins."""
        self.now.round = f"{number}/{rounds}"

    def add_windows(self, count: int) -> None:
        """The sweep's extension added windows to the plan."""
        self.total += count

    def phase(self, name: str, seconds: float = 0.0, **where: str) -> None:
        """A new phase: preparing, warm-up, measuring, auditing, wrk..."""
        for key, value in where.items():
            setattr(self.now, key, value)
        self.now.phase, self.now.phase_seconds = name, seconds
        self.now.phase_started = time.monotonic()
        if name == "warm-up":
            self.now.requests, self.now.rate, self.now.last_tick = 0, 0.0, None

    def event(self, event: dict[str, Any]) -> None:
        """A marker line from the Locust process."""
        if event["event"] == "measure":
            self.phase("measuring", self.window_seconds)
        elif event["event"] == "tick":
            now, count = event["time"], event["requests"]
            if self.now.last_tick and now > self.now.last_tick[0]:
                self.now.rate = (count - self.now.last_tick[1]) / (now - self.now.last_tick[0])
            self.now.last_tick, self.now.requests = (now, count), count

    def window_done(self, rec: dict[str, Any]) -> None:
        """A window finished: count it and show its figures."""
        self.done += 1
        lat = rec["latency_ms"]
        users = f"{rec['users']} user{'s' if rec['users'] != 1 else ''}"
        point = f"{rec['offered_rps']:g} req/s" if rec["offered_rps"] else users
        if rec["db_latency_ms"]:
            point += f" +{rec['db_latency_ms']:g} ms db"
        cpu = rec["client"]["cpu_percent"]
        row = (
            f"{rec['impl']}/{rec['variant']}",
            rec["scenario"],
            point,
            str(rec["round"]),
            f"{rec['requests_per_second']:.0f}",
            f"{lat['p50']:.2f}",
            f"{lat['p99']:.2f}",
            f"{cpu:.0f}%" if cpu is not None else "-",
            ",".join(rec["flags"]),
        )
        self.recent.append(row)
        if not self.is_live:
            self.console.print(
                f"[{self.done}/{self.total}] round {row[3]} {row[0]} {row[1]} {row[2]}: "
                f"{row[4]} req/s, p50 {row[5]} ms, p99 {row[6]} ms, client CPU {row[7]}"
                + (f" [{row[8]}]" if row[8] else ""),
                highlight=False,
            )

    def note(self, message: str) -> None:
        """A line worth keeping above the live display."""
        self.console.print(message, highlight=False)

    def render(self) -> Group:
        """The live display."""
        elapsed = time.monotonic() - self.started
        head = Text(
            f"taskbench bench  window {min(self.done + 1, self.total)}/{self.total}  "
            f"elapsed {clock(elapsed)}  remaining ~{clock(self.remaining())}",
            style="bold",
        )
        in_phase = time.monotonic() - self.now.phase_started
        length = f"/{self.now.phase_seconds:.0f} s" if self.now.phase_seconds else " s"
        now = Text(
            f"round {self.now.round}  {self.now.target}  {self.now.scenario}  {self.now.load}  "
            f"{self.now.phase} {in_phase:.0f}{length}  {self.now.rate:,.0f} req/s"
        )
        table = Table(box=None, pad_edge=False)
        for title in ("implementation", "scenario", "load", "round", "req/s", "p50 ms", "p99 ms"):
            table.add_column(title, justify="right" if "ms" in title or "/" in title else "left")
        table.add_column("client CPU", justify="right")
        table.add_column("flags")
        for row in self.recent:
            table.add_row(*row)
        return Group(head, now, table)

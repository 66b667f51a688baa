"""Running Locust: one headless process per measured window, bounded in time, watched with psutil.

The process inherits the runner's CPU affinity (the client cores). Its raw CSVs
(`PREFIX_stats.csv`, `_failures.csv`, `_exceptions.csv`, `_stats_history.csv`) and the window
summary of benchmarks/locustfile.py (`PREFIX.window.json`) are kept beside results.json.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.plan import SCENARIOS, LoadPoint
from benchmarks.processes import Children
from benchmarks.sampling import Sampler, Usage

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
STOP_TIMEOUT = 10
MARKER = "TASKBENCH "
# Beyond warm-up + window + graceful stop, how long Locust may take to start and write its files.
SLACK = 60.0


@dataclass(frozen=True)
class WindowSpec:
    """One measured window: a scenario at a load point, after a warm-up."""

    scenario: str
    point: LoadPoint
    warmup: float
    duration: int
    first_id: int
    last_id: int


@dataclass
class WindowRun:
    """What one Locust process produced."""

    argv: list[str]
    csv_prefix: Path
    log_path: Path
    summary: dict[str, Any] | None
    usage: Usage | None
    exit_code: int | None
    wall_seconds: float = 0.0
    error: str | None = None


def locust_argv(spec: WindowSpec, base_url: str, prefix: Path) -> list[str]:
    """The exact Locust command line of a window."""
    users = spec.point.users
    return [
        sys.executable, "-m", "locust",
        "-f", str(LOCUSTFILE), SCENARIOS[spec.scenario].user_class,
        "--headless", "--host", base_url,
        "--users", str(users), "--spawn-rate", str(users),
        "--run-time", f"{math.ceil(spec.warmup + spec.duration + STOP_TIMEOUT)}s",
        "--stop-timeout", str(STOP_TIMEOUT),
        "--csv", str(prefix), "--csv-full-history",
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
        "--warmup", f"{spec.warmup:g}", "--measure", str(spec.duration),
        "--first-id", str(spec.first_id), "--last-id", str(spec.last_id),
        "--rate-per-user", f"{spec.point.rate_per_user:g}",
        "--window-out", f"{prefix}.window.json",
    ]  # fmt: skip


def run_window(
    spec: WindowSpec,
    base_url: str,
    prefix: Path,
    server_pid: int,
    server_cpus: frozenset[int],
    children: Children,
    on_event: Callable[[dict[str, Any]], None] = lambda event: None,
    helper_pid: int | None = None,
) -> WindowRun:
    """Run one window; sample the client (and its helper, the proxy) and the server meanwhile."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    argv = locust_argv(spec, base_url, prefix)
    log_path = Path(f"{prefix}.locust.log")
    deadline = spec.warmup + spec.duration + STOP_TIMEOUT + SLACK
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        process = children.spawn(
            argv, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1, encoding="utf-8"
        )
        sampler = Sampler(
            process.pid,
            server_pid,
            server_cpus,
            frozenset(os.sched_getaffinity(0)),
            helper_pid=helper_pid,
        )
        overran = threading.Event()
        watchdog = threading.Timer(deadline, lambda: (overran.set(), children.finish(process)))
        # A daemon, cancelled whatever happens: a Ctrl-C must never leave the run waiting for it.
        watchdog.daemon = True
        try:
            sampler.start()
            watchdog.start()
            assert process.stdout is not None
            for line in process.stdout:
                if not line.startswith(MARKER):
                    log.write(line)
                    continue
                event = json.loads(line[len(MARKER) :])
                if event["event"] == "measure":
                    sampler.mark("start")
                elif event["event"] == "stopping":
                    sampler.mark("end")
                on_event(event)
            exit_code = process.wait(STOP_TIMEOUT + SLACK)
        finally:
            watchdog.cancel()
            sampler.stop()
            children.finish(process)
    window_file = Path(f"{prefix}.window.json")
    summary = json.loads(window_file.read_text()) if window_file.exists() else None
    error = None
    if overran.is_set():
        error = f"Locust did not finish within {deadline:.0f} s and was stopped"
    elif summary is None:
        error = f"Locust wrote no window summary (exit {exit_code}); see {log_path}"
    return WindowRun(
        argv=argv,
        csv_prefix=prefix,
        log_path=log_path,
        summary=summary,
        usage=sampler.usage(),
        exit_code=exit_code,
        wall_seconds=round(time.monotonic() - started, 3),
        error=error,
    )

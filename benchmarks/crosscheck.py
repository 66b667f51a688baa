"""wrk as an independent cross-check of each scenario's peak, where wrk is installed.

wrk is a C load generator, far cheaper per request than Locust: when it gets much more out of
a server at the same concurrency than Locust did, Locust was the limit. It runs once per
scenario at the peak load point, after that point's Locust windows, on the client cores.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.processes import Children

SCRIPT = Path(__file__).with_name("scenarios.lua")
MARKER = "TASKBENCH-WRK "


def find_wrk(explicit: str | None = None) -> str | None:
    """The wrk executable to use, or None when there is none."""
    return shutil.which(explicit or "wrk")


def wrk_version(path: str) -> str:
    """wrk's version line (wrk -v prints it and exits 1)."""
    done = subprocess.run([path, "-v"], capture_output=True, text=True, timeout=10)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].split(" Copyright")[0] if lines else "unknown"


def script_for(scenario: str, first_id: int, last_id: int) -> str:
    """The Lua script of one scenario: its settings, then benchmarks/scenarios.lua."""
    header = f'scenario = "{scenario}"\nfirst_id, last_id = {first_id}, {last_id}\n'
    return header + SCRIPT.read_text(encoding="utf-8")


def parse(output: str) -> dict[str, Any] | None:
    """The figures wrk's `done` hook printed, in requests/s and milliseconds."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            raw = json.loads(line[len(MARKER) :])
            seconds = raw["duration_us"] / 1e6
            return {
                "requests": raw["requests"],
                "seconds": round(seconds, 3),
                "requests_per_second": round(raw["requests"] / seconds, 1) if seconds else 0.0,
                "latency_ms": {k: round(v / 1000, 3) for k, v in raw["latency_us"].items()},
                "errors": raw["errors"],
            }
    return None


def run_wrk(
    wrk: str,
    scenario: str,
    base_url: str,
    connections: int,
    duration: int,
    seeded: tuple[int, int],
    prefix: Path,
    children: Children,
) -> dict[str, Any]:
    """Run wrk once; return its command line and figures (or the reason it failed)."""
    script = Path(f"{prefix}.lua")
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(script_for(scenario, *seeded), encoding="utf-8")
    argv = [
        wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s",
        "-s", str(script), base_url,
    ]  # fmt: skip
    process = children.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=duration + 30)
    except subprocess.TimeoutExpired:
        output = ""
    finally:
        children.finish(process)
    Path(f"{prefix}.wrk.txt").write_text(output, encoding="utf-8")
    figures = parse(output)
    return {
        "argv": argv,
        "connections": connections,
        "duration_seconds": duration,
        **(figures or {"error": f"wrk printed no figures (exit {process.returncode})"}),
    }

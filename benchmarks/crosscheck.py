"""wrk as an independent cross-check of each scenario's peak, where wrk is installed.

wrk is a C load generator, far cheaper per request than Locust: when it gets much more out of
a server at the same concurrency than Locust did, Locust was the limit. It runs in every round
at each scenario's peak load point, right after that point's Locust window, on the client
cores; across rounds the two medians are compared, and what was measured that bears on a
difference is kept beside them.
"""

from __future__ import annotations

import json
import shutil
import statistics
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


# The two medians agree when they are at most this far apart.
AGREE_PERCENT = 10.0
# Above this share of its core, Locust is near the limit of what it can send.
LOCUST_NEAR_LIMIT = 70.0
# Above this share of responses closing their connection, the client reconnects for nearly
# every request.
MOSTLY_CLOSED = 0.5
BUSY_CORES = 85.0


def _median(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return round(statistics.median(found), 3) if found else None


def agreement(records: list[dict[str, Any]], checks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Locust's and wrk's medians at one point across rounds, whether they agree, and why not.

    What could explain a difference is measured, not guessed: Locust's CPU (over the window and
    per request), how many responses closed their connection (each costs the client a new
    connection), how busy the client cores were, and wrk's own errors.
    """
    locust = [r for r in records if not r["error"]]
    wrk = [c for c in checks if c.get("requests_per_second")]
    if not locust or not wrk:
        return None
    locust_rps = [r["requests_per_second"] for r in locust]
    wrk_rps = [c["requests_per_second"] for c in wrk]
    locust_median, wrk_median = statistics.median(locust_rps), statistics.median(wrk_rps)
    ratio = wrk_median / locust_median if locust_median else None
    facts = {
        "locust_cpu_percent": _median([r["client"]["cpu_percent"] for r in locust]),
        "locust_cpu_ms_per_request": _median(
            [r["client"].get("cpu_ms_per_request") for r in locust]
        ),
        "connections_closed_per_request": _median(
            [
                r["connections_closed"] / r["requests"]
                if r["requests"] and r.get("connections_closed") is not None
                else None
                for r in locust
            ]
        ),
        "client_cores_busy_percent": _median(
            [r["client"].get("cores_busy_percent") for r in locust]
        ),
        "wrk_errors": sum(sum((c.get("errors") or {}).values()) for c in wrk),
        "ranges_overlap": min(locust_rps) <= max(wrk_rps) and min(wrk_rps) <= max(locust_rps),
    }
    agree = ratio is not None and abs(ratio - 1) * 100 <= AGREE_PERCENT
    return {
        "locust": {
            "median": round(locust_median, 1),
            "min": min(locust_rps),
            "max": max(locust_rps),
            "rounds": len(locust_rps),
        },
        "wrk": {
            "median": round(wrk_median, 1),
            "min": min(wrk_rps),
            "max": max(wrk_rps),
            "rounds": len(wrk_rps),
        },
        "wrk_to_locust": round(ratio, 3) if ratio else None,
        "agree": agree,
        "facts": facts,
        "explanation": [] if agree or ratio is None else explain(ratio, facts, locust_rps, wrk_rps),
    }


def explain(
    ratio: float, facts: dict[str, Any], locust: list[float], wrk: list[float]
) -> list[str]:
    """Sentences saying what was measured that bears on a disagreement, strongest first."""
    cpu, per_request = facts["locust_cpu_percent"], facts["locust_cpu_ms_per_request"]
    closed, busy = facts["connections_closed_per_request"], facts["client_cores_busy_percent"]
    cost = f"{per_request:.2f} ms of Locust's CPU per request" if per_request else "Locust's CPU"
    found = []
    if ratio > 1:
        if cpu is not None and cpu >= LOCUST_NEAR_LIMIT:
            found.append(
                f"Locust used {cpu:.0f}% of its core ({cost}), near its limit; wrk, in C, "
                "needs far less per request"
            )
        if closed is not None and closed >= MOSTLY_CLOSED:
            found.append(
                f"the server closed the connection after {closed:.0%} of responses, so Locust "
                f"opened a new connection for nearly every request ({cost}); wrk reconnects at "
                "a fraction of that cost"
            )
        if busy is not None and busy >= BUSY_CORES:
            found.append(f"the client cores were {busy:.0f}% busy in total")
        if not found:
            found.append(
                f"Locust reached no limit ({cpu or 0:.0f}% of its core, {cost}): the gap is "
                "Locust's own time between a response and the next request"
            )
    else:
        if facts["wrk_errors"]:
            found.append(f"wrk counted {facts['wrk_errors']} socket or status errors")
        if closed is not None and closed >= MOSTLY_CLOSED:
            found.append(
                f"the server closed the connection after {closed:.0%} of responses: wrk (one "
                "thread) and Locust reconnect differently"
            )
        if not found:
            found.append("no client limit was measured on either side")
    overlap = "overlap" if facts["ranges_overlap"] else "do not overlap"
    found.append(
        f"the ranges across rounds {overlap} (Locust {min(locust):,.0f}-{max(locust):,.0f}, "
        f"wrk {min(wrk):,.0f}-{max(wrk):,.0f} req/s)"
    )
    return found

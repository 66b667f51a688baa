"""Made-up benchmark records and cross-checks, shaped like those results.json holds."""

from __future__ import annotations

from typing import Any


def window_record(
    round_number: int = 1,
    rps: float = 100.0,
    flags: list[str] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """One measured window of fastapi/uvicorn reading at 32 users, with these figures."""
    latency = {"p50": rps / 100, "p90": 1.0, "p99": 2.0, "p99_9": 3.0, "max": 4.0, "mean": 1.0}
    record = {
        "impl": "fastapi", "variant": "uvicorn", "scenario": "read", "load_model": "closed",
        "users": 32, "offered_rps": None, "db_latency_ms": 0.0, "round": round_number,
        "position": round_number, "requests": int(rps * 20), "requests_per_second": rps,
        "latency_ms": latency, "failures": {"total": 1}, "error": None, "flags": flags or [],
        "connections_closed": 0,
        "client": {"cpu_percent": 50.0, "cpu_ms_per_request": 0.25, "cores_busy_percent": 60.0},
        "server": {"cpu_seconds_per_1000_requests": 0.5, "peak_rss_bytes": 1000 * round_number},
    }  # fmt: skip
    return {**record, **changes}


def wrk_check(round_number: int, rps: float, **changes: Any) -> dict[str, Any]:
    """One wrk run at the same point as window_record, in a round."""
    point = {k: window_record()[k] for k in ("impl", "variant", "scenario", "load_model")}
    return {
        **point,
        "users": 32,
        "offered_rps": None,
        "db_latency_ms": 0.0,
        "round": round_number,
        "requests_per_second": rps,
        "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
        **changes,
    }

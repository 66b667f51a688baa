"""Slow clients: how a server answers others while many connections hold half-sent requests.

A gunicorn sync or threaded worker reads a request in the worker, or thread, that will serve
it, so a client that sends slowly holds that worker; an event loop (uvicorn) holds only a
socket. After a server's first session, HOLDERS connections each send the start of a request
and then one more header line every TRICKLE seconds, for the run's hold time, while one client
asks for /health again and again. A probe still waiting when the holders let go is answered
after they do, and its latency says how long it waited. Bounded in count and time: at most
MAX_PROBES probes, and the holders stop at the end of the hold.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

HOLDERS = 64  # more than any variant has workers or threads on the benchmark's server cores
TRICKLE = 1.0
PROBE_PAUSE = 0.1
MAX_PROBES = 500
CONNECT_TIMEOUT = 5.0
# A probe may wait for the whole hold, then for the server to get through the holders.
PROBE_TIMEOUT = 30.0
PARTIAL = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def _hold(host: str, port: int, release: threading.Event) -> bool:
    """Hold one half-sent request until released; whether it connected."""
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except OSError:
        return False
    with sock:
        try:
            sock.sendall(PARTIAL)
            while not release.wait(TRICKLE):
                sock.sendall(b"X-Slow: 1\r\n")
        except OSError:
            pass  # the server closed it: a server may refuse to wait
    return True


def _probe(base_url: str, release: threading.Event, seen: list[tuple[float, float, bool]]) -> None:
    """Ask for /health until released; (sent, answered, ok) of each probe."""
    with httpx.Client(base_url=base_url, timeout=PROBE_TIMEOUT) as client:
        while not release.is_set() and len(seen) < MAX_PROBES:
            sent = time.monotonic()
            try:
                ok = client.get("/health").status_code == 200
            except httpx.HTTPError:
                ok = False
            seen.append((sent, time.monotonic(), ok))
            release.wait(PROBE_PAUSE)


def probe(base_url: str, hold_seconds: float, holders: int = HOLDERS) -> dict[str, Any]:
    """Hold `holders` half-sent requests for `hold_seconds` while probing; the figures."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    release = threading.Event()
    seen: list[tuple[float, float, bool]] = []
    with ThreadPoolExecutor(holders + 1) as pool:
        try:
            held = [pool.submit(_hold, host, int(port), release) for _ in range(holders)]
            time.sleep(TRICKLE)  # let every holder connect and send its first bytes
            prober = pool.submit(_probe, base_url, release, seen)
            time.sleep(hold_seconds)
        finally:
            release.set()
            released = time.monotonic()
        prober.result()
        connected = sum(future.result() for future in held)
    latencies = [(answered - sent) * 1000 for sent, answered, _ in seen]
    return {
        "holders": holders,
        "connected": connected,
        "hold_seconds": hold_seconds,
        "trickle_seconds": TRICKLE,
        "probes": len(seen),
        "answered_while_held": sum(ok and answered <= released for _, answered, ok in seen),
        "failed": sum(not ok for *_, ok in seen),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 3) if latencies else None,
            "max": round(max(latencies), 3) if latencies else None,
        },
    }

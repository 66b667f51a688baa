"""How a server under test reaches its database: directly, or through the latency proxy.

A route turns the database URL a server is given into the URL it connects to, and says how much
delay it adds per round trip. A session whose steps add no latency gets a DirectRoute (0 ms:
the server talks to the database itself). A session with added latency gets a ProxyRoute: the
latency proxy of benchmarks/dbproxy.py, pinned to the client cores, whose delay is switched
between the session's levels while its server runs, and whose CPU is sampled like Locust's.
The proxy module is optional: without it, latency levels cannot run (cli.py says so).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

PROXY_MODULE = "benchmarks.dbproxy"


class RouteError(RuntimeError):
    """A route that cannot do what was asked of it."""


class DatabaseRoute(Protocol):
    """Where a server's database connections go, and the delay they meet."""

    delay_ms: float

    @property
    def pid(self) -> int | None:
        """The process that forwards the connections (sampled like Locust), if any."""

    def url_for(self, database_url: str) -> str:
        """The URL a server must be given to reach this database along the route."""

    def set_delay(self, ms: float) -> None:
        """Change the delay added per round trip, while servers use the route."""

    def counters(self) -> dict[str, Any] | None:
        """What went along the route since the last reset (None when nothing counts)."""

    def reset(self) -> None:
        """Start counting afresh."""

    def close(self) -> None:
        """Stop whatever the route started."""


class DirectRoute:
    """The server connects to the database itself: no process in between, no delay."""

    delay_ms = 0.0
    pid = None

    def url_for(self, database_url: str) -> str:
        """The database URL as it is."""
        return database_url

    def set_delay(self, ms: float) -> None:
        """Only 0 ms: a direct route adds nothing."""
        if ms:
            raise RouteError(f"a direct route cannot add {ms:g} ms")

    def counters(self) -> dict[str, Any] | None:
        """Nothing is counted on a direct route."""
        return None

    def reset(self) -> None:
        """Nothing to reset."""

    def close(self) -> None:
        """Nothing to stop."""


class ProxyRoute:
    """Through benchmarks.dbproxy.LatencyProxy, pinned to the client cores."""

    def __init__(self, database_url: str, cpus: frozenset[int], log_path: Path | None) -> None:
        from benchmarks import dbproxy  # type: ignore[attr-defined]  # optional (see cli.py)

        parts = urlsplit(database_url)
        self.proxy = dbproxy.LatencyProxy(
            parts.hostname or "127.0.0.1",
            parts.port or 5432,
            delay_ms=0.0,
            cpus=set(cpus),
            log_path=log_path,
        )
        self.proxy.start()
        self.delay_ms = 0.0

    @property
    def pid(self) -> int | None:
        """The proxy's process."""
        return self.proxy.pid

    def url_for(self, database_url: str) -> str:
        """The same database, through the proxy."""
        return self.proxy.url_for(database_url)

    def set_delay(self, ms: float) -> None:
        """Switch the proxy's delay while it runs."""
        self.proxy.set_delay(ms)
        self.delay_ms = ms

    def counters(self) -> dict[str, Any] | None:
        """The proxy's counters (round trips, bytes) since the last reset, as JSON."""
        found = self.proxy.counters()
        return found.as_dict() if hasattr(found, "as_dict") else dict(found)

    def reset(self) -> None:
        """Reset the proxy's counters."""
        self.proxy.reset()

    def close(self) -> None:
        """Stop the proxy."""
        self.proxy.stop()


def proxy_available() -> bool:
    """True when the latency proxy module is there to be used."""
    if PROXY_MODULE in sys.modules:
        return True
    try:
        return importlib.util.find_spec(PROXY_MODULE) is not None
    except (ImportError, ValueError):
        return False


def open_route(
    database_url: str, latency: bool, cpus: frozenset[int], log_path: Path | None = None
) -> DatabaseRoute:
    """A direct route, or a started proxy route when the session adds latency."""
    if not latency:
        return DirectRoute()
    if not proxy_available():
        raise RouteError(f"database latency needs {PROXY_MODULE}, which is not installed")
    return ProxyRoute(database_url, cpus, log_path)

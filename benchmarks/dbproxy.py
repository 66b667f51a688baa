"""A TCP proxy that puts a set latency between a server and PostgreSQL and counts round trips.

It runs as a process of its own (`python -m benchmarks.dbproxy`), which the runner pins to the
client cores and whose CPU it samples like Locust's:

    with LatencyProxy("127.0.0.1", 5432, delay_ms=10.0, cpus={1}) as proxy:
        url = proxy.url_for("postgresql://postgres@127.0.0.1:5432/tasks")  # the same, proxied
        ...                                 # serve with `url`; sample psutil.Process(proxy.pid)
        proxy.set_delay(100.0)              # on the running server, no connection dropped
        proxy.reset()
        ...
        print(proxy.counters().round_trips)

`LatencyProxy(upstream_host, upstream_port, delay_ms=0.0, cpus=None, log_path=None)`:

- `start()` starts the process and returns the proxy once it listens; `stop()` ends it
  (also on leaving the `with` block). A proxy whose parent dies stops by itself.
- `port`, `pid`: where it listens (127.0.0.1) and its process id; `url_for(database_url)`:
  a PostgreSQL URL with its host and port replaced by the proxy's.
- `set_delay(ms)`: from now on, data from the database leaves the proxy `ms` later than it
  arrived. Data already waiting keeps its time. `delay_ms` is the delay in force.
- `counters()`: a `Counters` snapshot, counted since the start or the last `reset()`.
  Subtracting two snapshots gives what happened in between. `reset()` zeroes them.
- `for_url(database_url, ...)`: a proxy in front of the server of a database URL.
- A command the proxy cannot carry out, or a proxy that stopped answering, raises `ProxyError`.

What it does to the traffic:

- Data from the database is held for the delay, each chunk on its own timer from its own
  arrival, so pipelined answers overlap as they would on a slow network: nothing waits for an
  earlier answer to be delivered first. A chunk never leaves before the one before it, which
  only matters right after the delay was lowered. Data to the database is forwarded at once.
  Every byte is forwarded unchanged, in order.
- The timers have sub-millisecond resolution: the event loop waits in select(2), whose timeout
  is in microseconds, where epoll's is in milliseconds (an up to 1 ms late answer). select
  handles file descriptors below 1024, so the proxy holds at most about 500 connections at once
  and refuses more (`refused` counts them).
- On a busy machine the kernel wakes a sleeping process late: by 0.1-0.2 ms on a shared 2-core
  machine under load, and by milliseconds when a dozen processes want its two cores, which is
  10-100% of a 1 ms delay. So the proxy asks for the lowest real-time priority (SCHED_FIFO 1),
  where it may (as root, or with CAP_SYS_NICE), and is then woken on time whatever else runs on
  its core; it needs little CPU, and Linux caps real-time tasks at 95% of a core anyway.
  `realtime` in the counters says whether it got it. For what lateness remains, it tracks the
  median of how late its timers fire (a running estimate that steps 10 us toward each new
  value, first learnt from a few sleeps at start) and sets them that much earlier (at most a
  quarter of the delay, and 1 ms), so that the median answer leaves on time.
  `mean_delay_error_ms` says how well that worked: the mean time held chunks left after (or, if
  negative, before) they were due.

What it counts, reading the frontend (client to database) side of the PostgreSQL protocol:

- `round_trips`: Sync ('S') and simple Query ('Q') messages, the messages after which a client
  waits for the server (in the extended protocol, a Sync ends a batch of Parse/Bind/Execute
  messages; a pipeline sends several statements before one Sync). The startup packet and
  SSLRequest/GSSENCRequest negotiation are counted apart (`messages["startup"]`,
  `["ssl_request"]`, `["gssenc_request"]`, `["cancel_request"]`), as are connections opened.
- `messages`: every frontend message by its type letter ('P' Parse, 'B' Bind, 'D' Describe,
  'E' Execute, 'X' Terminate, ...).
- After an accepted SSLRequest or GSSENCRequest the stream is encrypted and cannot be read:
  such connections are counted in `encrypted` and their messages are not.
- Bytes and chunks (reads from a socket) each way, connections opened, and the most connections
  open at once (`connections_peak`); `connections_open` and `delay_ms` are not reset.

The control channel is the process's stdin and stdout: one JSON object per line each way.
The process first writes `{"port": N, "pid": P}` once it listens, then answers each command:
`{"op": "delay", "ms": 10}`, `{"op": "counters"}`, `{"op": "reset"}`, `{"op": "stop"}`.
End of input stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import select
import selectors
import subprocess
import sys
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

LISTEN_HOST = "127.0.0.1"
START_TIMEOUT = 15.0
REPLY_TIMEOUT = 10.0
# select(2) handles descriptors below FD_SETSIZE (1024); a connection takes two.
MAX_FD = 1000
# A timer is set at most this much earlier than due, to make up for a busy machine waking the
# proxy late (see the module docstring).
MAX_HEAD_START = 0.001
LATENESS_STEP = 0.000_01

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
NEGOTIATIONS = {SSL_REQUEST: "ssl_request", GSSENC_REQUEST: "gssenc_request"}
ROUND_TRIP_TYPES = frozenset(b"SQ")


@dataclass(frozen=True)
class Counters:
    """What went through the proxy since it started or was last reset."""

    round_trips: int = 0
    messages: dict[str, int] = field(default_factory=dict)
    bytes_to_database: int = 0
    bytes_to_client: int = 0
    chunks_to_database: int = 0
    chunks_to_client: int = 0
    connections_opened: int = 0
    encrypted: int = 0
    refused: int = 0
    # Held chunks, and the sum of how late (or, if negative, early) each left.
    delayed_chunks: int = 0
    delay_error_ms: float = 0.0
    # The most connections open at once since the reset.
    connections_peak: int = 0
    # Not reset: the connections open right now, and the delay in force.
    connections_open: int = 0
    delay_ms: float = 0.0
    realtime: bool = False

    def __sub__(self, before: Counters) -> Counters:
        """What was counted between an earlier snapshot and this one."""
        messages = {
            kind: count - before.messages.get(kind, 0)
            for kind, count in self.messages.items()
            if count != before.messages.get(kind, 0)
        }
        return Counters(
            round_trips=self.round_trips - before.round_trips,
            messages=messages,
            bytes_to_database=self.bytes_to_database - before.bytes_to_database,
            bytes_to_client=self.bytes_to_client - before.bytes_to_client,
            chunks_to_database=self.chunks_to_database - before.chunks_to_database,
            chunks_to_client=self.chunks_to_client - before.chunks_to_client,
            connections_opened=self.connections_opened - before.connections_opened,
            encrypted=self.encrypted - before.encrypted,
            refused=self.refused - before.refused,
            delayed_chunks=self.delayed_chunks - before.delayed_chunks,
            delay_error_ms=self.delay_error_ms - before.delay_error_ms,
            connections_peak=self.connections_peak,
            connections_open=self.connections_open,
            delay_ms=self.delay_ms,
            realtime=self.realtime,
        )

    @property
    def mean_delay_error_ms(self) -> float:
        """How late, on average, held chunks left the proxy (negative: early)."""
        return self.delay_error_ms / self.delayed_chunks if self.delayed_chunks else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The counters as JSON."""
        return {
            "round_trips": self.round_trips,
            "messages": dict(sorted(self.messages.items())),
            "bytes_to_database": self.bytes_to_database,
            "bytes_to_client": self.bytes_to_client,
            "chunks_to_database": self.chunks_to_database,
            "chunks_to_client": self.chunks_to_client,
            "connections_opened": self.connections_opened,
            "encrypted": self.encrypted,
            "refused": self.refused,
            "delayed_chunks": self.delayed_chunks,
            "delay_error_ms": self.delay_error_ms,
            "connections_peak": self.connections_peak,
            "connections_open": self.connections_open,
            "delay_ms": self.delay_ms,
            "realtime": self.realtime,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counters:
        """Counters read back from `as_dict`."""
        return cls(**{**data, "messages": dict(data["messages"])})


class ProxyError(RuntimeError):
    """A proxy that could not start or stopped answering, with a message fit for a terminal."""


# --- the proxy process ---------------------------------------------------------------------


class Tally:
    """The proxy process's counters, shared by every connection."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.open = 0
        self.lateness = 0.0
        self.realtime = False
        self.reset()

    def woke(self, late: float) -> None:
        """Note how late a timer fired: the estimate moves a step toward the median lateness."""
        step = LATENESS_STEP if late > self.lateness else -LATENESS_STEP
        self.lateness = max(0.0, self.lateness + step)

    def head_start(self) -> float:
        """How much earlier than due a timer is set: how late timers fire, within bounds."""
        return max(0.0, min(self.lateness, self.delay / 4, MAX_HEAD_START))

    def delayed(self, error: float) -> None:
        """Note that a held chunk left, `error` seconds after it was due."""
        self.delayed_chunks += 1
        self.delay_error += error

    def reset(self) -> None:
        """Zero every count (not the open connections or the delay)."""
        self.messages: Counter[str] = Counter()
        self.round_trips = 0
        self.bytes_to_database = self.bytes_to_client = 0
        self.chunks_to_database = self.chunks_to_client = 0
        self.opened = self.encrypted = self.refused = 0
        self.delayed_chunks = 0
        self.delay_error = 0.0
        self.peak = self.open

    def opened_one(self) -> None:
        """Note a new client connection."""
        self.opened += 1
        self.open += 1
        self.peak = max(self.peak, self.open)

    def snapshot(self) -> Counters:
        """The counts as a frozen value."""
        return Counters(
            round_trips=self.round_trips,
            messages=dict(self.messages),
            bytes_to_database=self.bytes_to_database,
            bytes_to_client=self.bytes_to_client,
            chunks_to_database=self.chunks_to_database,
            chunks_to_client=self.chunks_to_client,
            connections_opened=self.opened,
            encrypted=self.encrypted,
            refused=self.refused,
            delayed_chunks=self.delayed_chunks,
            delay_error_ms=self.delay_error * 1000.0,
            connections_peak=self.peak,
            connections_open=self.open,
            delay_ms=self.delay * 1000.0,
            realtime=self.realtime,
        )


class FrontendParser:
    """Splits the client's byte stream into PostgreSQL frontend messages and counts them."""

    STARTUP, NEGOTIATING, TYPED, OPAQUE = range(4)

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.state = self.STARTUP
        self.header = bytearray()
        self.skip = 0

    def feed(self, data: bytes) -> None:
        """Count the messages that start in this chunk."""
        i, n = 0, len(data)
        while i < n and self.state in (self.STARTUP, self.TYPED):
            if self.skip:
                step = min(self.skip, n - i)
                self.skip -= step
                i += step
                continue
            size = 5 if self.state == self.TYPED else 8
            if not self.header and n - i >= size:
                head = data[i : i + size]
                i += size
            else:
                take = data[i : i + size - len(self.header)]
                self.header += take
                i += len(take)
                if len(self.header) < size:
                    return
                head = bytes(self.header)
                self.header.clear()
            if self.state == self.TYPED:
                self._typed(head[0], int.from_bytes(head[1:5]))
            else:
                self._untyped(int.from_bytes(head[0:4]), int.from_bytes(head[4:8]))

    def _typed(self, kind: int, length: int) -> None:
        if length < 4:
            self.state = self.OPAQUE  # not the PostgreSQL protocol: forward, stop counting
            return
        self.tally.messages[chr(kind)] += 1
        if kind in ROUND_TRIP_TYPES:
            self.tally.round_trips += 1
        self.skip = length - 4

    def _untyped(self, length: int, code: int) -> None:
        if length < 8:
            self.state = self.OPAQUE
            return
        self.skip = length - 8
        if code in NEGOTIATIONS:
            self.tally.messages[NEGOTIATIONS[code]] += 1
            self.state = self.NEGOTIATING
        elif code == CANCEL_REQUEST:
            self.tally.messages["cancel_request"] += 1
            self.state = self.OPAQUE
        elif code >> 16 == 3:
            self.tally.messages["startup"] += 1
            self.state = self.TYPED
        else:
            self.state = self.OPAQUE

    def database_answered(self, first_byte: int) -> None:
        """The server's one-byte answer to an SSLRequest or GSSENCRequest."""
        if first_byte in b"SG":
            self.tally.encrypted += 1
            self.state = self.OPAQUE
        else:
            self.state = self.STARTUP


class ClientSide(asyncio.Protocol):
    """A connection from the server under test; opens its own connection to the database."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.tally = proxy.tally
        self.parser = FrontendParser(proxy.tally)
        self.transport: asyncio.Transport | None = None
        self.database: DatabaseSide | None = None
        self.pending: list[bytes] = []
        self.counted = False
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is None or sock.fileno() >= MAX_FD:
            self.tally.refused += 1
            transport.abort()
            return
        self.tally.opened_one()
        self.counted = True
        transport.pause_reading()
        self.proxy.connect(self)

    def connected(self, database: DatabaseSide) -> None:
        """The database connection is up: forward what waited, and read on."""
        self.database = database
        if self.closed:
            database.transport.close()
            return
        for data in self.pending:
            database.transport.write(data)
        self.pending.clear()
        assert self.transport is not None
        self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        self.tally.bytes_to_database += len(data)
        self.tally.chunks_to_database += 1
        self.parser.feed(data)
        if self.database is None:
            self.pending.append(data)
        else:
            self.database.transport.write(data)

    def eof_received(self) -> bool:
        if self.database is not None and self.database.transport.can_write_eof():
            self.database.transport.write_eof()
            return True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closed:
            return
        self.closed = True
        if self.counted:
            self.tally.open -= 1
        if self.database is not None:
            self.database.transport.close()

    # The client reads slower than the database answers: stop reading the database.
    def pause_writing(self) -> None:
        if self.database is not None:
            self.database.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.database is not None:
            self.database.transport.resume_reading()


class DatabaseSide(asyncio.Protocol):
    """The proxy's connection to the database for one client: holds each answer for the delay."""

    def __init__(self, client: ClientSide, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.tally = client.tally
        self.loop = loop
        self.transport: asyncio.Transport
        # (release time, data); None stands for the end of the database's stream.
        self.queue: deque[tuple[float, bytes | None]] = deque()
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        self.last_release = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.tally.bytes_to_client += len(data)
        self.tally.chunks_to_client += 1
        if self.client.parser.state == FrontendParser.NEGOTIATING:
            self.client.parser.database_answered(data[0])
        self._send_later(data)

    def eof_received(self) -> bool:
        self._send_later(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self._send_later(None)

    def _send_later(self, data: bytes | None) -> None:
        delay = self.tally.delay
        if not delay and not self.queue:
            self._deliver(data)
            return
        release = max(self.loop.time() + delay, self.last_release)
        self.last_release = release
        self.queue.append((release, data))
        if self.timer is None:
            self._schedule()

    def _schedule(self) -> None:
        self.timer_at = self.queue[0][0] - self.tally.head_start()
        self.timer = self.loop.call_at(self.timer_at, self._release)

    def _release(self) -> None:
        self.timer = None
        now = self.loop.time()
        self.tally.woke(now - self.timer_at)
        due = now + self.tally.head_start()
        while self.queue and self.queue[0][0] <= due:
            release, data = self.queue.popleft()
            self.tally.delayed(now - release)
            self._deliver(data)
        if self.queue:
            self._schedule()

    def _deliver(self, data: bytes | None) -> None:
        client = self.client.transport
        if client is None or client.is_closing():
            return
        if data is None:
            client.close()
        else:
            client.write(data)

    def pause_writing(self) -> None:
        if self.client.transport is not None:
            self.client.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.client.transport is not None:
            self.client.transport.resume_reading()


class Proxy:
    """The listening side and the control channel of the proxy process."""

    def __init__(self, upstream: tuple[str, int], delay_ms: float) -> None:
        self.upstream = upstream
        self.tally = Tally()
        self.tally.delay = delay_ms / 1000.0
        self.loop = asyncio.get_running_loop()
        self.stopped = asyncio.Event()

    def connect(self, client: ClientSide) -> None:
        """Open the database connection of a new client connection."""
        self.loop.create_task(self._connect(client))

    async def _connect(self, client: ClientSide) -> None:
        try:
            _, database = await self.loop.create_connection(
                lambda: DatabaseSide(client, self.loop), *self.upstream
            )
        except OSError as error:
            print(f"dbproxy: cannot reach {self.upstream}: {error}", file=sys.stderr)
            if client.transport is not None:
                client.transport.close()
            return
        client.connected(database)

    def command(self, line: bytes) -> dict[str, Any]:
        """Carry out one control command; its JSON answer."""
        try:
            request = json.loads(line)
            op = request["op"]
            if op == "delay":
                ms = float(request["ms"])
                if not 0 <= ms <= 3_600_000:
                    raise ValueError(f"delay out of range: {ms}")
                self.tally.delay = ms / 1000.0
            elif op == "reset":
                self.tally.reset()
            elif op == "stop":
                self.stopped.set()
            elif op != "counters":
                raise ValueError(f"unknown op {op!r}")
        except (ValueError, KeyError, TypeError) as error:
            return {"error": str(error)}
        return self.tally.snapshot().as_dict()


class Control(asyncio.Protocol):
    """Reads commands from stdin, one JSON object per line, and answers on stdout."""

    def __init__(self, proxy: Proxy) -> None:
        self.proxy = proxy
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            if line.strip():
                _answer(self.proxy.command(line))

    def connection_lost(self, exc: Exception | None) -> None:
        self.proxy.stopped.set()


def _answer(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def calibrate(tally: Tally, rounds: int = 30, wait: float = 0.001) -> None:
    """Learn how late this machine wakes the proxy from a few short sleeps (~35 ms)."""
    loop = asyncio.get_running_loop()
    for _ in range(rounds):
        due = loop.time() + wait
        await asyncio.sleep(wait)
        tally.woke(loop.time() - due)


def realtime() -> bool:
    """Ask for the lowest real-time priority (SCHED_FIFO 1); False where it is not allowed."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    except (PermissionError, AttributeError, OSError):
        return False
    return True


async def serve(upstream: tuple[str, int], delay_ms: float, port: int = 0) -> None:
    """Run the proxy until told to stop or its input ends."""
    proxy = Proxy(upstream, delay_ms)
    proxy.tally.realtime = realtime()
    await calibrate(proxy.tally)
    server = await proxy.loop.create_server(
        lambda: ClientSide(proxy), LISTEN_HOST, port, reuse_address=True
    )
    await proxy.loop.connect_read_pipe(lambda: Control(proxy), sys.stdin)
    _answer({"port": server.sockets[0].getsockname()[1], "pid": os.getpid()})
    await proxy.stopped.wait()
    server.close()


def main(argv: list[str] | None = None) -> int:
    """Command line of the proxy process."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dbproxy", description=__doc__)
    parser.add_argument("--upstream", required=True, metavar="HOST:PORT")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    host, _, port = args.upstream.rpartition(":")
    if not host or not port.isdigit():
        parser.error("--upstream must be HOST:PORT")
    # select(2) rather than epoll: microsecond timeouts (see the module docstring).
    loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
    try:
        loop.run_until_complete(serve((host, int(port)), args.delay_ms, args.port))
    except KeyboardInterrupt:
        return 130
    finally:
        loop.close()
    return 0


# --- the API the runner uses ---------------------------------------------------------------


class LatencyProxy:
    """The proxy process, started and driven from the benchmark runner."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        delay_ms: float = 0.0,
        cpus: set[int] | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.initial_delay_ms = delay_ms
        self.cpus = cpus
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._lock = threading.Lock()
        self._delay_ms = delay_ms

    @classmethod
    def for_url(cls, database_url: str, **options: Any) -> LatencyProxy:
        """A proxy in front of the PostgreSQL server of a database URL."""
        parts = urlsplit(database_url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 5432, **options)

    def command(self) -> list[str]:
        """The command line of the proxy process."""
        return [
            sys.executable, "-m", "benchmarks.dbproxy",
            "--upstream", f"{self.upstream_host}:{self.upstream_port}",
            "--delay-ms", repr(self.initial_delay_ms),
        ]  # fmt: skip

    def start(self) -> LatencyProxy:
        """Start the process; return once it listens."""
        if self.process is not None:
            raise ProxyError("the proxy is already started")
        log: IO[bytes] | int = subprocess.DEVNULL
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        try:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
                preexec_fn=self._pin if self.cpus else None,
                bufsize=0,
            )
        finally:
            if not isinstance(log, int):
                log.close()
        try:
            ready = self._read(START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        self._port = int(ready["port"])
        return self

    def _pin(self) -> None:
        os.sched_setaffinity(0, self.cpus or ())

    @property
    def pid(self) -> int:
        """The proxy's process id."""
        if self.process is None:
            raise ProxyError("the proxy is not started")
        return self.process.pid

    @property
    def port(self) -> int:
        """The port the proxy listens on, on 127.0.0.1."""
        if self._port is None:
            raise ProxyError("the proxy is not started")
        return self._port

    @property
    def delay_ms(self) -> float:
        """The delay in force, in milliseconds."""
        return self._delay_ms

    def url_for(self, database_url: str) -> str:
        """The same database URL, through the proxy."""
        parts = urlsplit(database_url)
        userinfo, _, _ = parts.netloc.rpartition("@")
        netloc = f"{userinfo}@" if userinfo else ""
        return urlunsplit((parts.scheme, f"{netloc}{LISTEN_HOST}:{self.port}", *parts[2:]))

    def set_delay(self, ms: float) -> None:
        """Delay the database's answers by `ms` milliseconds from now on."""
        self._request({"op": "delay", "ms": ms})
        self._delay_ms = ms

    def counters(self) -> Counters:
        """What the proxy counted since its start or the last reset."""
        return Counters.from_dict(self._request({"op": "counters"}))

    def reset(self) -> None:
        """Zero the counters."""
        self._request({"op": "reset"})

    def stop(self, timeout: float = 5.0) -> None:
        """End the process (it closes every connection) and wait for it."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(OSError), self._lock:
                assert process.stdin is not None
                process.stdin.close()  # end of input: it stops
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self.process = None
        self._port = None

    def _request(self, message: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self.process is None or self.process.stdin is None:
                raise ProxyError("the proxy is not started")
            try:
                self.process.stdin.write(json.dumps(message).encode() + b"\n")
                self.process.stdin.flush()
            except OSError as error:
                raise ProxyError(f"the proxy stopped answering: {error}") from error
            answer = self._read(REPLY_TIMEOUT)
        if "error" in answer:
            raise ProxyError(f"the proxy refused {message}: {answer['error']}")
        return answer

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.process is not None
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            code = self.process.poll()
            why = f"exited with {code}" if code is not None else f"silent for {timeout:.0f} s"
            raise ProxyError(f"the database proxy {why}; see {self.log_path or 'its stderr'}")
        return json.loads(line)

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit(main())

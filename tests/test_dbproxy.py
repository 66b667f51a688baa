"""The latency-injecting database proxy: its delay, its forwarding, and its round-trip counts."""

from __future__ import annotations

import random
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import psutil
import psycopg
import pytest

from benchmarks.dbproxy import Counters, LatencyProxy, ProxyError

# A TCP echo server in a process of its own (in this process it would compete with the
# measuring thread for the GIL and blur the delay being measured).
ECHO_SERVER = r"""
import socket, threading
srv = socket.create_server(("127.0.0.1", 0))
print(srv.getsockname()[1], flush=True)
def echo(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=echo, args=(conn,), daemon=True).start()
"""
SAMPLES = {1.0: 30, 10.0: 20, 100.0: 6}
TOLERANCE = 0.10
# Linux's SO_TIMESTAMPNS (asm-generic/socket.h), which Python's socket module does not name:
# the kernel stamps each arrival, and recvmsg returns the stamp as SCM_TIMESTAMPNS (the same).
SO_TIMESTAMPNS = 35
STAMP = (socket.SOL_SOCKET, SO_TIMESTAMPNS)


@pytest.fixture(scope="module")
def echo_port() -> Iterator[int]:
    """The port of a TCP echo server that runs for this module."""
    echo = subprocess.Popen([sys.executable, "-c", ECHO_SERVER], stdout=subprocess.PIPE)
    try:
        assert echo.stdout is not None
        yield int(echo.stdout.readline())
    finally:
        echo.kill()
        echo.wait()


@pytest.fixture
def echo_proxy(echo_port: int) -> Iterator[LatencyProxy]:
    """A proxy in front of the echo server."""
    with LatencyProxy("127.0.0.1", echo_port) as proxy:
        yield proxy


def connect(proxy: LatencyProxy) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


@pytest.fixture
def timed_link() -> Iterator[tuple[LatencyProxy, socket.socket, socket.socket]]:
    """A proxy between two sockets of this process: the database's end and the client's.

    The client's socket has the kernel stamp each arrival (SO_TIMESTAMPNS), so that how late
    this process wakes up to read it does not count as the proxy's delay.
    """
    with socket.create_server(("127.0.0.1", 0)) as listener:
        proxy = LatencyProxy("127.0.0.1", listener.getsockname()[1]).start()
        client = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
        client.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        database, _ = listener.accept()
    for sock in (client, database):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        yield proxy, database, client
    finally:
        client.close()
        database.close()
        proxy.stop()


def one_way_ms(database: socket.socket, client: socket.socket) -> float:
    """Milliseconds from the database's send to the kernel's receipt at the client."""
    sent = time.time_ns()
    database.sendall(b"x")
    data, ancillary, _, _ = client.recvmsg(16, 64)
    assert data == b"x"
    stamps = [raw for level, kind, raw in ancillary if (level, kind) == STAMP]
    seconds, nanoseconds = struct.unpack("qq", stamps[0][:16])
    return (seconds * 10**9 + nanoseconds - sent) / 1e6


@pytest.mark.measures
@pytest.mark.parametrize("delay_ms", list(SAMPLES))
def test_the_added_delay_is_the_set_one_within_ten_percent(
    timed_link: tuple[LatencyProxy, socket.socket, socket.socket], delay_ms: float
) -> None:
    # Each sample pairs a trip without delay and one with it; the median of the differences is
    # the delay the proxy added.
    proxy, database, client = timed_link
    added = []
    for _ in range(SAMPLES[delay_ms]):
        proxy.set_delay(0)
        plain = one_way_ms(database, client)
        proxy.set_delay(delay_ms)
        added.append(one_way_ms(database, client) - plain)

    measured = statistics.median(added)
    assert abs(measured - delay_ms) <= TOLERANCE * delay_ms, f"{measured:.3f} ms added"


def test_every_byte_arrives_in_order_on_concurrent_connections_while_the_delay_changes(
    echo_proxy: LatencyProxy,
) -> None:
    rng = random.Random(15)  # noqa: S311 - test data, not a secret
    payloads = [rng.randbytes(rng.randrange(200_000, 400_000)) for _ in range(8)]
    received: list[bytes] = [b""] * len(payloads)

    def exchange(index: int) -> None:
        chunks = random.Random(index)  # noqa: S311
        with connect(echo_proxy) as sock:
            reader = threading.Thread(target=read_all, args=(sock, index))
            reader.start()
            data, sent = payloads[index], 0
            while sent < len(data):
                size = chunks.choice((1, 5, 17, 1000, 8192, 65536))
                sock.sendall(data[sent : sent + size])
                sent += size
            sock.shutdown(socket.SHUT_WR)
            reader.join(60)

    def read_all(sock: socket.socket, index: int) -> None:
        parts = []
        while part := sock.recv(65536):
            parts.append(part)
        received[index] = b"".join(parts)

    writers = [threading.Thread(target=exchange, args=(i,)) for i in range(len(payloads))]
    for writer in writers:
        writer.start()
    for delay in (3.0, 0.0, 5.0, 1.0, 0.0):  # lowered delays must not reorder held chunks
        echo_proxy.set_delay(delay)
        time.sleep(0.02)
    for writer in writers:
        writer.join(120)

    assert [len(r) for r in received] == [len(p) for p in payloads]
    assert received == payloads
    counted = echo_proxy.counters()
    total = sum(map(len, payloads))
    assert (counted.bytes_to_database, counted.bytes_to_client) == (total, total)
    assert counted.connections_opened == len(payloads)


@pytest.fixture(scope="module")
def pg_proxy(postgres_url: str) -> Iterator[LatencyProxy]:
    """A proxy in front of the session's PostgreSQL server."""
    with LatencyProxy.for_url(postgres_url) as proxy:
        yield proxy


def test_connecting_counts_the_negotiation_and_startup_not_round_trips(
    pg_proxy: LatencyProxy, postgres_url: str
) -> None:
    pg_proxy.reset()

    with psycopg.connect(pg_proxy.url_for(postgres_url), sslmode="disable"):
        pass
    with psycopg.connect(pg_proxy.url_for(postgres_url), sslmode="prefer") as conn:
        encrypted = conn.pgconn.ssl_in_use

    counted = pg_proxy.counters()
    assert counted.connections_opened == 2
    assert counted.messages.get("startup") == 2
    assert counted.messages.get("ssl_request") == 1
    assert counted.encrypted == int(encrypted)
    assert counted.round_trips == 0


def test_round_trips_are_syncs_and_simple_queries_pipelined_or_not(
    pg_proxy: LatencyProxy, postgres_url: str
) -> None:
    url = pg_proxy.url_for(postgres_url)
    options = {"sslmode": "disable", "prepare_threshold": None, "autocommit": True}
    with psycopg.connect(url, **options) as conn:
        pg_proxy.reset()
        conn.pgconn.exec_(b"SELECT 1")  # simple query: Q
        simple = pg_proxy.counters()

        pg_proxy.reset()
        conn.execute("SELECT %s::int", [1]).fetchone()  # Parse, Bind, Describe, Execute, Sync
        extended = pg_proxy.counters()

        pg_proxy.reset()
        with conn.pipeline():
            for n in range(5):
                conn.execute("SELECT %s::int", [n])
        pipelined = pg_proxy.counters()

        conn.autocommit = False
        pg_proxy.reset()
        conn.execute("SELECT %s::int", [1])
        conn.commit()  # BEGIN (Q), the query (Sync), COMMIT (Q)
        transaction = pg_proxy.counters()

    assert (simple.round_trips, simple.messages) == (1, {"Q": 1})
    assert extended.round_trips == 1
    assert extended.messages == {"P": 1, "B": 1, "D": 1, "E": 1, "S": 1}
    assert pipelined.round_trips == 1
    assert {k: pipelined.messages.get(k) for k in "PBES"} == {"P": 5, "B": 5, "E": 5, "S": 1}
    assert transaction.round_trips == 3
    assert (transaction.messages["Q"], transaction.messages["S"]) == (2, 1)


def test_the_delay_changes_on_a_live_connection_without_dropping_it(
    pg_proxy: LatencyProxy, postgres_url: str
) -> None:
    url = pg_proxy.url_for(postgres_url)
    with psycopg.connect(url, sslmode="disable", autocommit=True) as conn:
        backend = conn.info.backend_pid
        pg_proxy.set_delay(0)
        before = pg_proxy.counters()
        conn.execute("SELECT 1")
        pg_proxy.set_delay(20)
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        pg_proxy.set_delay(0)
        after = pg_proxy.counters()

    assert row == (backend,)
    change = after - before
    assert change.connections_opened == 0
    assert change.round_trips == 2
    assert change.delayed_chunks >= 1
    assert after.delay_ms == 0.0


def test_counters_subtract_and_travel_as_json() -> None:
    later = Counters(round_trips=7, messages={"Q": 3, "S": 4}, connections_open=2, delay_ms=10)
    earlier = Counters(round_trips=2, messages={"Q": 1, "S": 1})

    change = later - earlier

    assert (change.round_trips, change.messages) == (5, {"Q": 2, "S": 3})
    assert (change.connections_open, change.delay_ms) == (2, 10)
    assert Counters.from_dict(later.as_dict()) == later


def test_url_for_keeps_everything_but_the_address(echo_proxy: LatencyProxy) -> None:
    user = "user:pw@"
    url = f"postgresql://{user}db.example:6543/tasks?sslmode=disable"

    proxied = echo_proxy.url_for(url)

    assert proxied == f"postgresql://{user}127.0.0.1:{echo_proxy.port}/tasks?sslmode=disable"


def test_a_bad_command_is_refused_and_the_proxy_goes_on(echo_proxy: LatencyProxy) -> None:
    with pytest.raises(ProxyError, match="delay out of range"):
        echo_proxy.set_delay(-1)

    assert echo_proxy.counters().delay_ms == 0.0


def test_stop_leaves_no_process_and_closes_connections(echo_port: int) -> None:
    proxy = LatencyProxy("127.0.0.1", echo_port, cpus={0}).start()
    pid = proxy.pid
    assert psutil.Process(pid).cpu_affinity() == [0]
    sock = connect(proxy)

    proxy.stop()

    assert not psutil.pid_exists(pid)
    assert sock.recv(16) == b""  # the connection was closed, not left hanging
    sock.close()
    with pytest.raises(ProxyError):
        proxy.counters()


def test_usage_errors_are_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.dbproxy", "--upstream", "no-port"],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith("--upstream must be HOST:PORT")

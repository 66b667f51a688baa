"""Sampling the CPU and memory of the load generator and of the server's process tree (psutil).

Locust's own high-CPU warning is not reliable, so the runner watches from outside. A window is
flagged `client_bound` when Locust used more than CLIENT_BOUND_PERCENT of its core, or when the
client cores were that busy in total (Locust, the runner, and whatever else the OS put there,
such as PostgreSQL or other users of a shared machine): either way the figure may measure the
client rather than the server. A helper of the client (the database-latency proxy, which runs
on the client cores too) is sampled the same way and counts toward the flag. How busy the
server cores were in total is kept too, to show when something besides the server competed
for them.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from dataclasses import dataclass, field

import psutil

CLIENT_BOUND_PERCENT = 85.0
INTERVAL = 0.5


@dataclass(frozen=True)
class Sample:
    """CPU seconds used so far and memory in use, at one moment (wall-clock seconds)."""

    time: float
    client_cpu: float
    server_cpu: dict[int, float]
    server_rss: int
    busy: tuple[float, ...] = ()  # seconds each CPU of the machine was not idle
    helper_cpu: float = 0.0


@dataclass(frozen=True)
class Usage:
    """What the client and the server used during one measured window."""

    client_cpu_percent: float
    client_cpu_percent_max: float
    server_cpu_seconds: float
    server_cpu_percent: float
    server_peak_rss: int
    samples: int
    client_cores_busy_percent: float = 0.0
    server_cores_busy_percent: float = 0.0
    helper_cpu_percent: float | None = None

    @property
    def client_bound(self) -> bool:
        """True when the load generator, its helper, or its cores were near their limit."""
        busiest = max(
            self.client_cpu_percent, self.client_cores_busy_percent, self.helper_cpu_percent or 0
        )
        return busiest > CLIENT_BOUND_PERCENT


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def tree(pid: int) -> list[psutil.Process]:
    """A process and all its descendants that still exist."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def tree_rss(pid: int) -> int:
    """Resident memory of a process tree, summed over its processes, in bytes."""
    total = 0
    for process in tree(pid):
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total


def _cpu_of(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with contextlib.suppress(psutil.Error):
        return _cpu(psutil.Process(pid))
    return 0.0


def take(client_pid: int | None, server_pid: int, helper_pid: int | None = None) -> Sample:
    """One sample of the client process, its helper and the server tree."""
    cpu: dict[int, float] = {}
    rss = 0
    for process in tree(server_pid):
        try:
            with process.oneshot():
                cpu[process.pid] = _cpu(process)
                rss += process.memory_info().rss
        except psutil.Error:
            continue
    client = _cpu_of(client_pid)
    helper = _cpu_of(helper_pid)
    busy = tuple(
        sum(times) - times.idle - getattr(times, "iowait", 0.0)
        for times in psutil.cpu_times(percpu=True)
    )
    return Sample(
        time=time.time(),
        client_cpu=client,
        server_cpu=cpu,
        server_rss=rss,
        busy=busy,
        helper_cpu=helper,
    )


@dataclass
class Sampler:
    """Samples a client process and a server tree every INTERVAL seconds in a thread."""

    client_pid: int | None
    server_pid: int
    server_cpus: frozenset[int] = frozenset()
    client_cpus: frozenset[int] = frozenset()
    helper_pid: int | None = None
    interval: float = INTERVAL
    samples: list[Sample] = field(default_factory=list)
    marks: dict[str, Sample] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Sampler:
        """Begin sampling in the background."""
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self._add(take(self.client_pid, self.server_pid, self.helper_pid))
            self._stop.wait(self.interval)

    def _add(self, sample: Sample) -> Sample:
        with self._lock:
            self.samples.append(sample)
        return sample

    def mark(self, name: str) -> None:
        """Take a sample now and remember it under a name ('start', 'end')."""
        self.marks[name] = self._add(take(self.client_pid, self.server_pid, self.helper_pid))

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def usage(self) -> Usage | None:
        """What was used between the 'start' and 'end' marks, or None without both."""
        if "start" not in self.marks or "end" not in self.marks:
            return None
        with self._lock:
            samples = sorted(self.samples, key=lambda s: s.time)
        return usage(
            samples,
            self.marks["start"],
            self.marks["end"],
            self.server_cpus,
            self.client_cpus,
            helper=self.helper_pid is not None,
        )


def _server_cpu(first: Sample, last: Sample) -> float:
    # A worker that appeared during the window counts from zero; one that vanished is lost.
    return sum(cpu - first.server_cpu.get(pid, 0.0) for pid, cpu in last.server_cpu.items())


def _busy(start: Sample, end: Sample, cpus: frozenset[int], seconds: float) -> float:
    """Percent of the time the given CPUs were busy between two samples."""
    known = [c for c in cpus if c < min(len(start.busy), len(end.busy))]
    if not known:
        return 0.0
    return sum(end.busy[c] - start.busy[c] for c in known) / (seconds * len(known)) * 100


def usage(
    samples: list[Sample],
    start: Sample,
    end: Sample,
    server_cpus: frozenset[int] = frozenset(),
    client_cpus: frozenset[int] = frozenset(),
    helper: bool = False,
) -> Usage:
    """Client and server use between two samples, from every sample taken in between."""
    inside = [s for s in samples if start.time <= s.time <= end.time]
    seconds = max(end.time - start.time, 1e-9)
    peaks = [
        (b.client_cpu - a.client_cpu) / (b.time - a.time) * 100
        for a, b in itertools.pairwise(inside)
        if b.time - a.time >= INTERVAL / 2
    ]
    client = (end.client_cpu - start.client_cpu) / seconds * 100
    server = _server_cpu(start, end)
    return Usage(
        client_cpu_percent=round(client, 1),
        client_cpu_percent_max=round(max(peaks, default=client), 1),
        server_cpu_seconds=round(server, 3),
        server_cpu_percent=round(server / seconds * 100, 1),
        server_peak_rss=max((s.server_rss for s in inside), default=end.server_rss),
        samples=len(inside),
        client_cores_busy_percent=round(_busy(start, end, client_cpus, seconds), 1),
        server_cores_busy_percent=round(_busy(start, end, server_cpus, seconds), 1),
        helper_cpu_percent=(
            round((end.helper_cpu - start.helper_cpu) / seconds * 100, 1) if helper else None
        ),
    )

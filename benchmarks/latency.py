"""A compact latency histogram with 0.5% resolution, so sub-millisecond percentiles stay exact.

Locust rounds response times to whole milliseconds, which makes a 0.4 ms and a 1.4 ms median
look alike; the benchmark keeps its own histogram beside Locust's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Bucket k holds times whose natural log, times STEPS, rounds to k: neighbours differ by 0.5%.
STEPS = 200
FLOOR_MS = 0.001
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p99_9": 99.9}


@dataclass
class Histogram:
    """Response times in milliseconds, bucketed on a log scale."""

    buckets: dict[int, int] = field(default_factory=dict)
    count: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0

    def record(self, ms: float) -> None:
        """Count one response time."""
        key = round(math.log(max(ms, FLOOR_MS)) * STEPS)
        self.buckets[key] = self.buckets.get(key, 0) + 1
        self.count += 1
        self.total_ms += ms
        self.max_ms = max(self.max_ms, ms)

    def percentile(self, q: float) -> float:
        """The response time below which q percent of the recorded ones fall (0 when empty)."""
        if not self.count:
            return 0.0
        rank = max(1, math.ceil(self.count * q / 100))
        seen = 0
        for key in sorted(self.buckets):
            seen += self.buckets[key]
            if seen >= rank:
                return min(math.exp(key / STEPS), self.max_ms)
        return self.max_ms

    def summary(self) -> dict[str, float]:
        """p50, p90, p99, p99.9, max and mean, in milliseconds, rounded to microseconds."""
        figures = {name: self.percentile(q) for name, q in PERCENTILES.items()}
        figures["max"] = self.max_ms
        figures["mean"] = self.total_ms / self.count if self.count else 0.0
        return {name: round(value, 3) for name, value in figures.items()}

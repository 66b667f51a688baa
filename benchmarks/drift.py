"""Machine drift between rounds: which rounds' references moved from the run's median.

Each round opens with the reference (benchmarks/reference.py): a CPU rate and a query rate.
For each of the two, the run's median over its rounds is the machine's usual speed; a round
whose rate is more than DRIFT_PERCENT away from it is flagged, and with it every figure
measured in that round. With one round nothing can be compared; with two, both are flagged
when they differ by more than twice the threshold.
"""

from __future__ import annotations

import statistics

DRIFT_PERCENT = 10.0
FIGURES = ("cpu_units_per_second", "queries_per_second")


def deviations(references: dict[int, dict[str, float]]) -> dict[int, dict[str, float]]:
    """Each round's percent difference from the median of every round, figure by figure."""
    result: dict[int, dict[str, float]] = {number: {} for number in references}
    for figure in FIGURES:
        values = {n: ref[figure] for n, ref in references.items() if ref.get(figure)}
        if not values:
            continue
        median = statistics.median(values.values())
        for number, value in values.items():
            result[number][figure] = round((value / median - 1) * 100, 1) if median else 0.0
    return result


def flagged(references: dict[int, dict[str, float]], limit: float = DRIFT_PERCENT) -> set[int]:
    """The rounds whose reference moved more than `limit` percent from the run's median."""
    return {
        number
        for number, found in deviations(references).items()
        if any(abs(value) > limit for value in found.values())
    }

"""How figures are written: thousands separators, sensible digits, units always stated."""

from __future__ import annotations

from reports.results import Spread

NOT_MEASURED = "not measured"
RANGE = "\u2013"  # an en dash between the lowest and the highest round


def number(value: float | None, unit: str = "") -> str:
    """A value with digits fit for its size, and its unit: `1,234 req/s`, `0.87 ms`."""
    if value is None:
        return NOT_MEASURED
    magnitude = abs(value)
    if unit == "%" and 0 < magnitude < 0.1:
        text = f"{value:.2g}"  # a rare failure rate stays visible instead of rounding to 0.0
    elif unit == "%":
        text = f"{value:.1f}" if magnitude < 99.95 and value != int(value) else f"{value:.0f}"
    elif magnitude >= 100 or (value == int(value) and unit not in ("ms", "s", "CPU-s", "x")):
        text = f"{value:,.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    elif magnitude >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("%", "x") else f"{text} {unit}"


def spread(value: Spread | None, unit: str = "") -> str:
    """A median with the range of rounds: `1,234 req/s (1,201-1,250, 3 rounds)`."""
    if value is None:
        return NOT_MEASURED
    if value.count < 2 or value.low == value.high:
        return number(value.median, unit)
    low, high = number(value.low), number(value.high)
    return f"{number(value.median, unit)} ({low}{RANGE}{high}, {value.count} rounds)"


def percent(fraction: float | None) -> str:
    """A fraction as a percentage: `37.5%`."""
    return NOT_MEASURED if fraction is None else number(fraction * 100, "%")


def mib(size_bytes: float | None) -> str:
    """Bytes as MiB."""
    return NOT_MEASURED if size_bytes is None else number(size_bytes / 2**20, "MiB")


def workers(count: int, model: str, threads: int = 1) -> str:
    """How a server ran: `1 async worker`, `3 sync workers`, `2 gthread workers x 4 threads`."""
    text = f"{count} {model} worker{'s' if count != 1 else ''}".replace("  ", " ")
    return text + (f" x {threads} threads" if threads > 1 else "")

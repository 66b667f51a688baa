"""The adaptive sweep's stopping rules and its verdict, on made-up figures."""

from __future__ import annotations

from benchmarks import sweep
from benchmarks.sweep import Level, Rules

RULES = Rules(gain_percent=5.0, p99_ms=2000.0, cap=512)


def levels(*figures: tuple[int, float]) -> list[Level]:
    """Levels with the given (users, requests/s) and a low p99."""
    return [Level(users, rps, p99_ms=100.0) for users, rps in figures]


def test_still_rising_at_the_last_listed_level_doubles_the_users() -> None:
    decision = sweep.next_level(levels((8, 360), (32, 400), (128, 570)), RULES)

    assert decision == sweep.Decision(256, sweep.RISING)


def test_a_gain_under_five_percent_is_the_plateau() -> None:
    decision = sweep.next_level(levels((32, 565), (128, 640), (256, 660)), RULES)

    assert decision == sweep.Decision(None, sweep.PLATEAU)


def test_falling_throughput_stops_at_once() -> None:
    assert sweep.next_level(levels((8, 772), (32, 751)), RULES).reason == sweep.PLATEAU


def test_p99_past_the_bound_stops_even_while_rising() -> None:
    found = [Level(128, 500.0, 900.0), Level(256, 600.0, 2100.0)]

    assert sweep.next_level(found, RULES) == sweep.Decision(None, sweep.P99)


def test_a_load_generator_at_its_limit_stops_the_sweep() -> None:
    found = [Level(32, 400.0, 100.0), Level(128, 600.0, 200.0, client_bound=True)]

    assert sweep.next_level(found, RULES) == sweep.Decision(None, sweep.CLIENT_BOUND)


def test_the_cap_stops_a_sweep_that_still_rises() -> None:
    decision = sweep.next_level(levels((128, 500), (256, 600), (512, 700)), RULES)

    assert decision == sweep.Decision(None, sweep.CAP)


def test_a_window_without_figures_stops_the_sweep() -> None:
    found = [Level(32, 400.0, 100.0), Level(128, 0.0, 0.0, error=True)]

    assert sweep.next_level(found, RULES).reason == sweep.ERROR
    assert sweep.next_level([], RULES).reason == sweep.ERROR


def test_stopped_by_the_cap_while_the_medians_rise_the_peak_is_not_reached() -> None:
    result = sweep.verdict(levels((128, 500), (256, 600), (512, 700)), sweep.CAP, RULES)

    assert result == sweep.Verdict(512, 700, peak_reached=False, reason=sweep.CAP)


def test_stopped_by_the_cap_but_flat_across_rounds_the_peak_is_reached() -> None:
    result = sweep.verdict(levels((128, 500), (256, 640), (512, 650)), sweep.CAP, RULES)

    assert result is not None
    assert result.peak_reached
    assert result.peak_users == 512


def test_peak_is_the_highest_median_wherever_it_is() -> None:
    result = sweep.verdict(levels((8, 772), (32, 751), (128, 669)), sweep.PLATEAU, RULES)

    assert result == sweep.Verdict(8, 772, peak_reached=True, reason=sweep.PLATEAU)


def test_stopped_by_the_load_generator_the_peak_is_not_reached() -> None:
    found = [Level(32, 400.0, 100.0), Level(128, 600.0, 200.0, client_bound=True)]

    result = sweep.verdict(found, sweep.CLIENT_BOUND, RULES)

    assert result is not None
    assert not result.peak_reached

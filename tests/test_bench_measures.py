"""The benchmark's figures: latency percentiles, CPU sampling, summaries and wrk's output."""

from __future__ import annotations

import pytest

from benchmarks import crosscheck
from benchmarks.latency import Histogram
from benchmarks.results import spread, summarize
from benchmarks.sampling import Sample, usage
from tests.bench_factories import window_record, wrk_check


def test_histogram_percentiles_keep_sub_millisecond_resolution() -> None:
    histogram = Histogram()
    for ms in [0.4] * 90 + [1.4] * 9 + [30.0]:
        histogram.record(ms)

    figures = histogram.summary()

    assert figures["p50"] == pytest.approx(0.4, rel=0.01)
    assert figures["p90"] == pytest.approx(0.4, rel=0.01)
    assert figures["p99"] == pytest.approx(1.4, rel=0.01)
    assert figures["max"] == 30.0
    assert figures["mean"] == pytest.approx((0.4 * 90 + 1.4 * 9 + 30) / 100)


def test_empty_histogram_is_all_zero() -> None:
    assert set(Histogram().summary().values()) == {0.0}


def _sample(t: float, client: float, server: dict[int, float], rss: int = 100) -> Sample:
    return Sample(time=t, client_cpu=client, server_cpu=server, server_rss=rss)


def test_client_above_85_percent_of_its_core_is_client_bound() -> None:
    start = _sample(0.0, 10.0, {1: 5.0})
    end = _sample(10.0, 19.0, {1: 12.0})

    used = usage([start, end], start, end)

    assert used.client_cpu_percent == 90.0
    assert used.client_bound
    assert used.server_cpu_seconds == 7.0


def test_client_at_85_percent_is_not_client_bound() -> None:
    start, end = _sample(0.0, 0.0, {}), _sample(10.0, 8.5, {})

    assert not usage([start, end], start, end).client_bound


def test_busy_client_cores_make_the_window_client_bound_whoever_used_them() -> None:
    start = Sample(time=0.0, client_cpu=0.0, server_cpu={}, server_rss=0, busy=(0.0, 0.0))
    end = Sample(time=10.0, client_cpu=3.0, server_cpu={}, server_rss=0, busy=(5.0, 9.0))

    used = usage([start, end], start, end, frozenset({0}), frozenset({1}))

    assert used.client_cpu_percent == 30.0
    assert used.client_cores_busy_percent == 90.0
    assert used.server_cores_busy_percent == 50.0
    assert used.client_bound


def test_server_cpu_sums_the_tree_and_counts_new_workers_from_zero() -> None:
    start = _sample(0.0, 0.0, {1: 1.0, 2: 2.0}, rss=300)
    middle = _sample(0.5, 0.1, {1: 1.1, 2: 2.2, 3: 0.1}, rss=900)
    end = _sample(1.0, 0.2, {1: 1.5, 2: 2.5, 3: 0.5}, rss=500)

    used = usage([start, middle, end], start, end)

    assert used.server_cpu_seconds == 1.5
    assert used.server_peak_rss == 900
    assert used.client_cpu_percent_max == 20.0


def test_spread_is_median_min_max() -> None:
    assert spread([3.0, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0}


def test_summary_keeps_the_spread_across_rounds_and_every_flag() -> None:
    records = [
        window_record(1, 100.0),
        window_record(2, 300.0, ["client_bound"]),
        window_record(3, 200.0),
    ]

    (summary,) = summarize(records, [])

    assert summary["rounds"] == 3
    assert summary["requests_per_second"] == {"median": 200.0, "min": 100.0, "max": 300.0}
    assert summary["latency_ms"]["p50"] == {"median": 2.0, "min": 1.0, "max": 3.0}
    assert summary["flags"] == ["client_bound"]
    assert summary["failures"] == 3
    assert summary["server_peak_rss_bytes"] == 3000
    assert [(r["round"], r["requests_per_second"]) for r in summary["by_round"]] == [
        (1, 100.0),
        (2, 300.0),
        (3, 200.0),
    ]
    assert summary["cross_check"] is None


def test_points_at_another_database_latency_are_summarized_apart() -> None:
    records = [window_record(1, 100.0), window_record(1, 20.0, db_latency_ms=10.0)]

    summaries = summarize(records, [])

    assert sorted(s["db_latency_ms"] for s in summaries) == [0.0, 10.0]


def test_medians_within_ten_percent_agree() -> None:
    records = [window_record(n, rps) for n, rps in enumerate((100.0, 104.0, 98.0), 1)]
    checks = [wrk_check(n, rps) for n, rps in enumerate((108.0, 95.0, 109.0), 1)]

    (summary,) = summarize(records, checks)

    found = summary["cross_check"]
    assert found["agree"]
    assert found["explanation"] == []
    assert found["locust"]["median"] == 100.0
    assert found["wrk"]["median"] == 108.0
    assert summary["wrk_requests_per_second"] == 108.0
    assert "wrk_disagrees" not in summary["flags"]


def test_wrk_faster_where_every_response_closed_its_connection_says_so() -> None:
    records = [
        window_record(n, 400.0, connections_closed=8000, client={
            "cpu_percent": 55.0, "cpu_ms_per_request": 1.4, "cores_busy_percent": 60.0,
        })
        for n in (1, 2, 3)
    ]  # fmt: skip
    checks = [wrk_check(n, 480.0) for n in (1, 2, 3)]

    (summary,) = summarize(records, checks)

    found = summary["cross_check"]
    assert not found["agree"]
    assert found["wrk_to_locust"] == 1.2
    assert found["facts"]["connections_closed_per_request"] == 1.0
    assert "wrk_disagrees" in summary["flags"]
    assert "new connection for nearly every request" in found["explanation"][0]
    assert "1.40 ms of Locust's CPU per request" in found["explanation"][0]
    assert "do not overlap" in found["explanation"][-1]


def test_wrk_faster_with_locust_near_its_limit_names_its_cpu() -> None:
    busy = {"cpu_percent": 80.0, "cpu_ms_per_request": 0.6, "cores_busy_percent": 82.0}
    records = [window_record(n, 1000.0, client=busy) for n in (1, 2)]

    (summary,) = summarize(records, [wrk_check(1, 1300.0), wrk_check(2, 1300.0)])

    assert summary["cross_check"]["explanation"][0].startswith("Locust used 80% of its core")


def test_locust_faster_than_wrk_with_wrk_errors_counts_them() -> None:
    errors = {"connect": 0, "read": 3, "write": 0, "status": 0, "timeout": 0}
    checks = [wrk_check(1, 700.0, errors=errors)]

    (summary,) = summarize([window_record(1, 1000.0)], checks)

    assert summary["cross_check"]["explanation"][0] == "wrk counted 3 socket or status errors"


WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8000
  1 threads and 32 connections
TASKBENCH-WRK {"requests": 3000, "duration_us": 3000000, "errors": {"connect": 0, "read": 0, \
"write": 0, "status": 2, "timeout": 0}, "latency_us": {"p50": 1500, "p90": 2500, "p99": 9000, \
"p99_9": 12000, "max": 20000, "mean": 1700.5}}
"""


def test_wrk_figures_are_read_from_its_done_hook() -> None:
    figures = crosscheck.parse(WRK_OUTPUT)

    assert figures is not None
    assert figures["requests_per_second"] == 1000.0
    assert figures["latency_ms"]["p99"] == 9.0
    assert figures["errors"]["status"] == 2


def test_wrk_without_figures_parses_to_none() -> None:
    assert crosscheck.parse("unable to connect to 127.0.0.1:1 Connection refused") is None


def test_wrk_script_names_its_scenario_and_seeded_ids() -> None:
    script = crosscheck.script_for("mixed", 5, 104)

    assert script.startswith('scenario = "mixed"\nfirst_id, last_id = 5, 104\n')
    assert "function request()" in script

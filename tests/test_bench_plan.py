"""The benchmark plan: rounds and their rotation, what runs where, and how long it takes."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from benchmarks import plan
from benchmarks.plan import CLOSED, FIXED, LoadPoint, Settings
from taskbench import registry

ALL = dict.fromkeys(registry.IMPLEMENTATIONS)
VARIANTS = {(i.name, v.name) for i in registry.IMPLEMENTATIONS.values() for v in i.variants}


def _points(built: plan.Plan) -> list[tuple[str, str, int, str, LoadPoint]]:
    """(impl, variant, round, scenario, point) of every planned window."""
    return [
        (s.impl, s.variant, s.round, st.scenario, st.point)
        for s in built.sessions
        for st in s.steps
    ]


@pytest.mark.parametrize("rounds", [3, 6])
def test_every_implementation_takes_every_position_equally_often(rounds: int) -> None:
    built = plan.build(Settings(rounds=rounds), ALL)

    positions = Counter((v.impl, v.position) for rnd in built.rounds for v in rnd.visits)

    impls = list(registry.IMPLEMENTATIONS)
    assert set(positions) == {(i, p) for i in impls for p in range(1, len(impls) + 1)}
    assert set(positions.values()) == {rounds // len(impls)}


def test_rounds_that_cannot_balance_the_positions_say_so() -> None:
    unbalanced = plan.describe(plan.build(Settings(rounds=2), ALL), wrk=False)
    balanced = plan.describe(plan.build(Settings(rounds=3), ALL), wrk=False)

    assert any("not every one takes every position" in line for line in unbalanced)
    assert not any("not every one takes every position" in line for line in balanced)


def test_each_round_is_the_one_before_rotated_by_one_place() -> None:
    orders = [rnd.order for rnd in plan.build(Settings(), ALL).rounds]

    assert orders[0] == list(registry.IMPLEMENTATIONS)
    for before, after in itertools.pairwise(orders):
        assert after == before[1:] + before[:1]


def test_variants_of_an_implementation_rotate_too() -> None:
    settings = Settings(impls=("django",), variants="all", rounds=3, db_latency=(0.0,))

    firsts = [rnd.visits[0].sessions[0].variant for rnd in plan.build(settings, ALL).rounds]

    assert sorted(firsts) == sorted(v.name for v in registry.get("django").variants)


def test_core_points_are_measured_in_every_round_with_the_same_steps() -> None:
    built = plan.build(Settings(), ALL)

    per_round = [
        sorted(
            (s.impl, st.scenario, st.point.label)
            for visit in rnd.visits
            for s in visit.sessions
            for st in s.steps
            if not st.point.db_latency_ms and st.point.users != 1 and s.variant == "uvicorn"
        )
        for rnd in built.rounds
    ]

    assert per_round[0]
    assert per_round[0] == per_round[1] == per_round[2]


def test_default_plan_holds_the_database_latency_levels_and_every_variant() -> None:
    points = _points(plan.build(Settings(), ALL))
    found = {(i, v, sc, p.model, p.users, p.db_latency_ms) for i, v, _, sc, p in points}
    defaults = [(i.name, i.default_variant.name) for i in registry.IMPLEMENTATIONS.values()]

    for impl, variant in defaults:
        for ms in (1.0, 10.0):
            assert (impl, variant, "read", CLOSED, 32, ms) in found
            assert (impl, variant, "mixed", CLOSED, 32, ms) in found
        for ms in (0.0, 1.0, 10.0, 100.0):
            assert (impl, variant, "read", CLOSED, 1, ms) in found
    for impl, variant in VARIANTS:
        assert (impl, variant, "read", CLOSED, 32, 100.0) in found
        assert (impl, variant, "read", CLOSED, 32, 0.0) in found
        assert (impl, variant, "mixed", CLOSED, 32, 0.0) in found
    assert not any(sc == "mixed" and p.db_latency_ms >= 100 for *_, sc, p in points)


def test_each_extended_point_is_measured_in_exactly_one_round() -> None:
    points = _points(plan.build(Settings(), ALL))
    extended = Counter(
        (i, v, sc, p)
        for i, v, _, sc, p in points
        if p.db_latency_ms or p.users == 1 or v != registry.get(i).default_variant.name
    )

    assert extended
    assert set(extended.values()) == {1}


def test_a_database_level_is_measured_in_one_round_for_every_implementation() -> None:
    points = _points(plan.build(Settings(), ALL))

    for ms in (1.0, 10.0, 100.0):
        rounds = {r for _, _, r, _, p in points if p.db_latency_ms == ms}
        assert len(rounds) == 1, ms


def test_extended_groups_are_dealt_so_rounds_take_about_as_long() -> None:
    built = plan.build(Settings(), ALL)
    settings = built.settings

    seconds = [
        sum(
            plan.window_seconds(settings, st.point)
            for visit in rnd.visits
            for s in visit.sessions
            for st in s.steps
        )
        for rnd in built.rounds
    ]

    assert max(seconds) - min(seconds) < 0.2 * max(seconds)


def test_every_round_extends_nothing_when_extended_points_go_in_every_round() -> None:
    points = _points(plan.build(Settings(every_round=True), ALL))
    rounds = Counter((i, v, sc, p) for i, v, _, sc, p in points)

    assert set(rounds.values()) == {3}


def test_read_only_steps_share_a_server_per_route_and_write_points_get_their_own() -> None:
    settings = Settings(impls=("fastapi",), variants="default", db_latency=(0.0, 10.0))
    built = plan.build(settings, ALL)

    for session in built.sessions:
        writes = [st for st in session.steps if plan.SCENARIOS[st.scenario].writes]
        assert len(writes) <= 1, session.name
        assert not writes or len(session.steps) == 1, session.name
        assert len({st.point.db_latency_ms > 0 for st in session.steps}) == 1, session.name
    proxied_reads = [s for s in built.sessions if s.proxied and not s.writes]
    assert [st.point.users for st in proxied_reads[0].steps] == [1, 32]


def test_sweep_extends_after_its_last_listed_level_only() -> None:
    steps = plan.full_steps(Settings(users=(8, 32, 128)))

    extending = [(st.scenario, st.point) for st in steps if st.extends]

    assert extending == [("mixed", LoadPoint(CLOSED, 128))]


def test_swept_scenario_starts_with_the_fixed_load_then_ascending_users() -> None:
    points = plan.load_points(Settings(users=(32, 1, 8)), "mixed")

    assert points[0] == LoadPoint(FIXED, 20, 100.0)
    assert [p.users for p in points[1:]] == [1, 8, 32]
    assert all(p.model == CLOSED for p in points[1:])


def test_scenario_not_swept_runs_once_at_peak_users() -> None:
    assert plan.load_points(Settings(peak_users=16), "health") == [LoadPoint(CLOSED, 16)]


def test_cross_checks_are_at_the_closed_point_nearest_peak_users_of_full_variants() -> None:
    settings = Settings(scenarios=("mixed",), users=(1, 8, 128))

    checked = {
        (s.impl, s.variant, st.point) for s in plan.build(settings, ALL).sessions
        for st in s.steps if st.cross_check
    }  # fmt: skip

    defaults = {(i.name, i.default_variant.name) for i in registry.IMPLEMENTATIONS.values()}
    assert {(i, v) for i, v, _ in checked} == defaults
    assert {p for *_, p in checked} == {LoadPoint(CLOSED, 8)}


def test_warmup_adds_round_trips_at_the_database_delay() -> None:
    settings = Settings(warmup=2.0)

    assert plan.warmup_seconds(settings, LoadPoint(CLOSED, 32)) == 2.0
    assert plan.warmup_seconds(settings, LoadPoint(CLOSED, 32, db_latency_ms=100.0)) == 7.0


def test_estimate_is_the_sum_of_its_parts_and_counts_every_window() -> None:
    built = plan.build(Settings(), ALL)
    estimate = built.estimate(wrk=True)
    parts = {what.split(" (")[0]: (count, seconds) for what, count, seconds in estimate.parts}

    assert estimate.total == pytest.approx(sum(s for _, _, s in estimate.parts))
    assert parts["measured windows"][0] == built.windows
    expected = sum(plan.window_seconds(built.settings, p) for *_, p in _points(built))
    assert parts["measured windows"][1] == pytest.approx(expected, abs=0.1)
    assert parts["wrk cross-checks"][0] == 3 * 3 * len(registry.IMPLEMENTATIONS)
    assert parts["slow-client probes"][0] == len(VARIANTS)
    assert parts["drift references"][0] == 3
    assert built.estimate(wrk=False).total == pytest.approx(
        estimate.total - parts["wrk cross-checks"][1]
    )


def test_default_plan_keeps_20_s_windows_and_fits_its_budget() -> None:
    built = plan.build(Settings(), ALL)

    assert built.settings.duration == 20
    assert built.settings.rounds == 3
    # The benchmark's share of the main job's 60 minutes: the rest takes about 6 minutes
    # (benchmarks/README.md, "The main job's time budget").
    assert built.estimate(wrk=True).total < 52 * 60


def test_quick_plan_is_one_short_round_of_the_default_variants() -> None:
    quick = plan.build(plan.preset("quick"), ALL)

    assert quick.settings.rounds == 1
    assert {v for _, v in quick.servers} == {
        i.default_variant.name for i in registry.IMPLEMENTATIONS.values()
    }
    assert quick.estimate(wrk=False).total < 2 * 60


def test_exhaustive_plan_runs_every_variant_scenario_and_load_point_in_every_round() -> None:
    exhaustive = plan.build(plan.preset("exhaustive"), ALL)

    assert set(exhaustive.servers) == VARIANTS
    direct = {
        (i, v, sc, p) for i, v, _, sc, p in _points(exhaustive)
        if not p.db_latency_ms and p.users != 1
    }  # fmt: skip
    points = len(Settings().users) + 1
    assert len(direct) == len(VARIANTS) * len(plan.SCENARIOS) * points


def test_fixed_load_spreads_the_offered_rate_over_its_users() -> None:
    point = LoadPoint(FIXED, 20, 150.0)

    assert point.rate_per_user == 7.5
    assert point.label == "fixed150rps"
    assert LoadPoint(CLOSED, 8).rate_per_user == 0.0
    assert LoadPoint(CLOSED, 1, db_latency_ms=10.0).label == "u1-db10ms"


def test_implementation_that_cannot_be_imported_is_skipped_with_its_reason() -> None:
    built = plan.build(Settings(), {**ALL, "django": "No module named 'django_impl'"})

    assert "django" not in built.impls
    assert built.skipped == {"django": "No module named 'django_impl'"}
    assert any("django: skipped" in line for line in plan.describe(built, wrk=False))

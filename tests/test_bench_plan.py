"""The benchmark plan: what runs by default, in --quick and --exhaustive, and how long it takes."""

from __future__ import annotations

from benchmarks import plan
from benchmarks.plan import CLOSED, FIXED, LoadPoint, Settings
from taskbench import registry

ALL = dict.fromkeys(registry.IMPLEMENTATIONS)


def test_default_plan_fits_about_half_an_hour_for_every_registered_implementation() -> None:
    default = plan.build(Settings(), ALL)

    # Including the read peak that the report divides by the health floor.
    assert {"health", "read", "mixed"} <= set(default.settings.scenarios)
    assert default.estimate(wrk=True) < 32 * 60
    assert default.settings.duration == 20
    assert default.settings.repeats == 3


def test_quick_plan_fits_three_minutes_without_wrk() -> None:
    quick = plan.build(plan.preset("quick"), ALL)

    assert quick.estimate(wrk=False) < 3 * 60
    assert set(quick.settings.scenarios) == set(plan.SCENARIOS)


def test_default_plan_runs_each_implementations_default_variant() -> None:
    default = plan.build(Settings(), ALL)

    assert {(s.impl, s.variant) for s in default.sessions} == {
        (impl.name, impl.default_variant.name) for impl in registry.IMPLEMENTATIONS.values()
    }


def test_exhaustive_plan_runs_every_variant_scenario_and_load_point() -> None:
    exhaustive = plan.build(plan.preset("exhaustive"), ALL)

    variants = {(s.impl, s.variant) for s in exhaustive.sessions}
    assert len(variants) == sum(len(i.variants) for i in registry.IMPLEMENTATIONS.values())
    steps = {
        (s.impl, s.variant, st.scenario, st.point) for s in exhaustive.sessions for st in s.steps
    }
    points = len(Settings().users) + 1
    assert len(steps) == len(variants) * len(plan.SCENARIOS) * points


def test_swept_scenario_starts_with_the_fixed_load_then_ascending_users() -> None:
    points = plan.load_points(Settings(users=(32, 1, 8)), "mixed")

    assert points[0] == LoadPoint(FIXED, 20, 100.0)
    assert [p.users for p in points[1:]] == [1, 8, 32]
    assert all(p.model == CLOSED for p in points[1:])


def test_scenario_not_swept_runs_once_at_peak_users() -> None:
    assert plan.load_points(Settings(peak_users=16), "health") == [LoadPoint(CLOSED, 16)]


def test_read_only_scenarios_share_a_session_and_write_points_get_their_own() -> None:
    settings = Settings(impls=("fastapi",), scenarios=("health", "read", "create", "mixed"))

    sessions = plan.build(settings, ALL).sessions

    assert [len(s.steps) for s in sessions] == [2, 1, 1, 1, 1, 1, 1]
    assert {st.scenario for st in sessions[0].steps} == {"health", "read"}


def test_cross_check_is_at_the_closed_point_nearest_peak_users() -> None:
    settings = Settings(impls=("fastapi",), scenarios=("mixed",), users=(1, 8, 128))

    checked = [
        st.point for s in plan.build(settings, ALL).sessions for st in s.steps if st.cross_check
    ]

    assert checked == [LoadPoint(CLOSED, 8)]


def test_fixed_load_spreads_the_offered_rate_over_its_users() -> None:
    point = LoadPoint(FIXED, 20, 150.0)

    assert point.rate_per_user == 7.5
    assert point.label == "fixed150rps"
    assert LoadPoint(CLOSED, 8).rate_per_user == 0.0


def test_implementation_that_cannot_be_imported_is_skipped_with_its_reason() -> None:
    built = plan.build(Settings(), {**ALL, "django": "No module named 'django_impl'"})

    assert "django" not in built.impls
    assert built.skipped == {"django": "No module named 'django_impl'"}
    assert any("django: skipped" in line for line in plan.describe(built, wrk=False))

"""Scoring of the tap, step and walk tests from raw events (pure, no database)."""

import math

import pytest

from detection.motor_scoring import (
    MotorPayloadError,
    TapEvent,
    coefficient_of_variation,
    count_steps_from_motion,
    fatigue_ratio,
    parse_motion_samples,
    parse_tap_events,
    score_taps,
    score_walk,
    typed_step_count,
)


def alternating(n, every_ms=300, start=0, pointer=1):
    return [TapEvent(start + i * every_ms, "ab"[i % 2], pointer) for i in range(n)]


def test_alternating_taps_all_count():
    result = score_taps(alternating(30))
    assert (result.count, result.misses, result.merged) == (30, 0, 0)


def test_the_same_target_twice_is_a_miss_and_the_next_switch_counts_again():
    events = [TapEvent(0, "a", 1), TapEvent(200, "a", 1), TapEvent(400, "b", 1), TapEvent(600, "a", 1)]
    result = score_taps(events)
    assert (result.count, result.misses) == (3, 1)


def test_a_tap_outside_both_targets_is_a_miss_and_breaks_nothing():
    events = [TapEvent(0, "a", 1), TapEvent(200, "miss", 1), TapEvent(400, "b", 1)]
    assert (score_taps(events).count, score_taps(events).misses) == (2, 1)


def test_two_fingers_on_both_targets_at_once_count_once():
    events = [TapEvent(1000, "a", 1), TapEvent(1020, "b", 2), TapEvent(1400, "b", 1)]
    result = score_taps(events)
    # The second finger 20 ms later is the same gesture; the later tap on b is the real alternation.
    assert (result.count, result.misses, result.merged) == (2, 0, 1)


def test_one_finger_tapping_fast_is_not_merged():
    result = score_taps(alternating(40, every_ms=60))
    assert (result.count, result.merged) == (40, 0)


def test_taps_after_the_ten_seconds_are_ignored():
    result = score_taps(alternating(12, every_ms=1000))
    assert result.count == 11  # 0 s .. 10 s inclusive; 11 s is after the stop


def test_a_steady_rhythm_has_a_cv_near_zero_and_an_uneven_one_more():
    steady = score_taps(alternating(20, every_ms=300)).rhythm_cv
    times = [0, 300, 500, 900, 1000, 1500, 1600, 2200]
    uneven = score_taps([TapEvent(t, "ab"[i % 2], 1) for i, t in enumerate(times)]).rhythm_cv
    assert steady == 0.0
    assert uneven > 0.4


def test_the_rhythm_needs_two_intervals():
    assert coefficient_of_variation([300]) is None
    assert coefficient_of_variation([200, 400]) == pytest.approx(0.471, abs=0.001)


def test_fatigue_is_the_last_third_rate_over_the_first():
    fast_then_slow = [t for t in range(0, 3333, 200)] + [t for t in range(6700, 10000, 400)]
    assert fatigue_ratio(fast_then_slow, 10_000) == pytest.approx(9 / 17, abs=0.001)
    assert fatigue_ratio([5000], 10_000) is None
    assert score_taps(alternating(34, every_ms=300)).fatigue == pytest.approx(1.0, abs=0.1)


def test_parsing_refuses_bad_payloads_naming_the_field():
    with pytest.raises(MotorPayloadError) as e:
        parse_tap_events({"t": 1})
    assert e.value.field == "events"
    for bad, field in [
        ([{"t": "x", "target": "a"}], "events[0].t"),
        ([{"t": 20000, "target": "a"}], "events[0].t"),
        ([{"t": 5, "target": "c"}], "events[0].target"),
        ([{"t": 5, "target": "a"}, {"t": 1, "target": "b"}], "events[1].t"),
        ([{"t": 5, "target": "a", "count": 99}], "events[0]"),
        ([{"t": math.nan, "target": "a"}], "events[0].t"),
        ([{"t": True, "target": "a"}], "events[0].t"),
        ([{"t": 1, "target": "a"}] * 301, "events"),
    ]:
        with pytest.raises(MotorPayloadError) as e:
            parse_tap_events(bad)
        assert e.value.field == field, bad


def test_parsing_keeps_time_target_and_pointer():
    assert parse_tap_events([{"t": 12.5, "target": "b", "pointer": 3}]) == [TapEvent(12.5, "b", 3)]


def _marching(steps_per_s, seconds=10, rate_hz=60, amplitude=4.0, noise=0.0):
    samples = []
    for i in range(int(seconds * rate_hz)):
        t = i * 1000 / rate_hz
        lift = amplitude * math.sin(2 * math.pi * steps_per_s * t / 1000)
        wobble = noise * math.sin(2 * math.pi * 13 * t / 1000)
        samples.append([t, 0.3, 9.81 + lift + wobble, 0.2])
    return samples


def test_steps_in_place_are_counted_from_the_motion_sensor():
    assert count_steps_from_motion(parse_motion_samples(_marching(2.0))) == pytest.approx(20, abs=1)
    assert count_steps_from_motion(parse_motion_samples(_marching(1.0, rate_hz=100))) == pytest.approx(10, abs=1)


def test_a_phone_held_still_counts_no_steps():
    assert count_steps_from_motion(parse_motion_samples(_marching(2.0, amplitude=0.3))) == 0


def test_judder_within_a_step_is_one_step():
    assert count_steps_from_motion(parse_motion_samples(_marching(1.5, amplitude=4, noise=1.5))) == pytest.approx(
        15, abs=1
    )


def test_motion_samples_must_be_four_numbers_in_order():
    with pytest.raises(MotorPayloadError, match=r"samples\[0\]"):
        parse_motion_samples([[0, 1, 2]])
    with pytest.raises(MotorPayloadError, match=r"samples\[1\]"):
        parse_motion_samples([[5, 1, 2, 3], [1, 1, 2, 3]])


def test_a_typed_step_count_is_a_whole_number_in_range():
    assert typed_step_count(14) == 14
    for bad in (-1, 61, 3.5, "12", None):
        with pytest.raises(MotorPayloadError, match="steps"):
            typed_step_count(bad)


def test_a_timed_walk_gives_speed_and_cadence():
    result = score_walk(duration_ms=8000, distance_m=10, steps=16)
    assert (result.duration_s, result.speed_m_s, result.cadence) == (8.0, 1.25, 120.0)
    assert score_walk(duration_ms=12500, distance_m=10).cadence is None


def test_a_walk_refuses_impossible_times_and_distances():
    for kwargs, field in [
        ({"duration_ms": 500, "distance_m": 10}, "duration_ms"),
        ({"duration_ms": 9000, "distance_m": 0}, "distance_m"),
        ({"duration_ms": 9000, "distance_m": 10, "steps": 0}, "steps"),
        ({"duration_ms": "9000", "distance_m": 10}, "duration_ms"),
    ]:
        with pytest.raises(MotorPayloadError) as e:
            score_walk(**kwargs)
        assert e.value.field == field

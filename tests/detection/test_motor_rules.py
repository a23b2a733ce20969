"""The motor-test decline rule, recomputed from a patient's tries (no database)."""

import datetime

import pytest

from detection.motor_rules import (
    DEFAULT_MOTOR_CONFIG,
    MEASURES,
    MOTOR_DECLINE,
    STEP,
    TAP_LEFT,
    TAP_RIGHT,
    WALK,
    MotorConfig,
    MotorTry,
    assess_motor,
)
from detection.rules import CLOSED, OPENED, RECOVERED

START = datetime.date(2025, 1, 6)
CFG = MotorConfig(
    practice_tries=4,
    baseline_tries=3,
    tap_decline_share=0.2,
    step_decline_share=0.3,
    walk_decline_share=0.15,
    sustained_tries=3,
)


def weekly(values, measure=TAP_RIGHT, first_week=0):
    return [MotorTry(START + datetime.timedelta(weeks=first_week + i), measure, v) for i, v in enumerate(values)]


# Practice (improving), then a steady 30 for the baseline.
PRACTICE = [20, 24, 27, 29]
BASELINE = [30, 31, 30]


def test_practice_tries_never_form_the_baseline():
    # Practice tries far below the later level: if they leaked into the
    # median the baseline would be well under 30.
    a = assess_motor(weekly([5, 6, 7, 8, *BASELINE]), CFG)
    s = a.measures[TAP_RIGHT]
    assert s.practice == (True, True, True, True, False, False, False)
    assert s.baseline == 30
    assert s.baseline_dates == tuple(START + datetime.timedelta(weeks=w) for w in (4, 5, 6))


def test_there_is_no_baseline_until_practice_and_baseline_tries_are_done():
    s = assess_motor(weekly([*PRACTICE, 30, 31]), CFG).measures[TAP_RIGHT]
    assert s.baseline is None
    assert s.change_share is None
    assert not s.declining


def test_a_sustained_fall_opens_exactly_one_episode():
    tries = weekly([*PRACTICE, *BASELINE, 23, 22, 23, 21, 20, 22, 19])
    a = assess_motor(tries, CFG)
    assert [e.kind for e in a.events] == [OPENED]
    ev = a.events[0]
    assert ev.rule == MOTOR_DECLINE
    assert ev.date == START + datetime.timedelta(weeks=9)  # the third low try
    assert ev.evidence_data["measure"] == TAP_RIGHT
    assert ev.evidence_data["values"] == [23, 22, 23]
    assert ev.evidence == (
        "Right-hand taps 23, 22 and 23 on the last 3 tests, at least 23% below the baseline of 30 "
        "(after 4 practice tries)."
    )
    s = a.measures[TAP_RIGHT]
    assert s.declining and a.declining
    assert s.latest == 19
    assert s.change_share == pytest.approx((19 - 30) / 30)


def test_a_single_bad_test_does_not_open_an_episode():
    a = assess_motor(weekly([*PRACTICE, *BASELINE, 30, 12, 31, 29, 30, 23, 22, 30]), CFG)
    assert a.events == ()
    assert not a.declining


def test_a_fall_just_short_of_the_threshold_does_not_open():
    # Threshold 30 * 0.8 = 24: 24 is not below it.
    a = assess_motor(weekly([*PRACTICE, *BASELINE, 24, 24, 24, 24]), CFG)
    assert a.events == ()


def test_recovery_closes_the_episode_and_a_new_fall_opens_another():
    values = [*PRACTICE, *BASELINE, 20, 20, 20, 29, 30, 31, 20, 21, 20]
    a = assess_motor(weekly(values), CFG)
    assert [e.kind for e in a.events] == [OPENED, CLOSED, OPENED]
    closed = a.events[1]
    assert closed.reason == RECOVERED
    assert closed.date == START + datetime.timedelta(weeks=12)
    assert (
        closed.evidence == "Right-hand taps back within 20% of the baseline of 30 on the last 3 tests (29, 30 and 31)."
    )
    assert a.measures[TAP_RIGHT].declining


def test_one_good_test_while_declining_does_not_close():
    a = assess_motor(weekly([*PRACTICE, *BASELINE, 20, 20, 20, 30, 20, 29, 30]), CFG)
    assert [e.kind for e in a.events] == [OPENED]
    assert a.measures[TAP_RIGHT].declining


def test_could_not_do_it_after_the_baseline_counts_as_a_low_try():
    a = assess_motor(weekly([*PRACTICE, *BASELINE, 20, None, None], measure=WALK), CFG)
    assert [e.kind for e in a.events] == [OPENED]
    assert a.events[0].evidence_data["values"] == [20, None, None]
    assert "could not do it" in a.events[0].evidence
    s = a.measures[WALK]
    assert s.latest is None and s.change_share is None


def test_could_not_do_it_never_forms_the_baseline_nor_counts_as_practice():
    values = [None, 20, 24, None, 27, 29, None, 30, 31, 30]
    s = assess_motor(weekly(values), CFG).measures[TAP_RIGHT]
    # Four tries with a value are practice; the Nones among them are flagged with them.
    assert s.practice == (True, True, True, True, True, True, False, False, False, False)
    assert s.baseline == 30


def test_could_not_do_it_is_not_a_recovery():
    a = assess_motor(weekly([*PRACTICE, *BASELINE, 20, 20, 20, None, 30, 30]), CFG)
    assert [e.kind for e in a.events] == [OPENED]


def test_measures_are_independent_and_events_come_in_date_order():
    tries = weekly([*PRACTICE, *BASELINE, 30, 20, 20, 20], measure=TAP_LEFT)
    tries += weekly([*PRACTICE, *BASELINE, 20, 20, 20], measure=TAP_RIGHT)
    tries += weekly([10, 11, 11, 12, 12, 12, 12, 12, 12], measure=STEP)
    a = assess_motor(list(reversed(tries)), CFG)
    assert [(e.evidence_data["measure"], e.date) for e in a.events] == [
        (TAP_RIGHT, START + datetime.timedelta(weeks=9)),
        (TAP_LEFT, START + datetime.timedelta(weeks=10)),
    ]
    assert a.declining_measures == (TAP_LEFT, TAP_RIGHT)
    assert not a.measures[STEP].declining


def test_walk_speed_evidence_reads_in_metres_per_second():
    a = assess_motor(weekly([0.9, 1.0, 1.0, 1.1, 1.0, 1.0, 1.0, 0.8, 0.8, 0.8], measure=WALK), CFG)
    assert a.events[0].evidence == (
        "Walking speed 0.80 m/s, 0.80 m/s and 0.80 m/s on the last 3 tests, 20% below the baseline of "
        "1.00 m/s (after 4 practice tries)."
    )


def test_a_rebaseline_date_moves_the_baseline_but_not_the_practice():
    values = [*PRACTICE, *BASELINE, 20, 20, 20, 20, 21, 20]
    start = START + datetime.timedelta(weeks=8)
    a = assess_motor(weekly(values), CFG, baseline_start=start)
    s = a.measures[TAP_RIGHT]
    assert s.practice.count(True) == 4
    assert s.baseline == 20
    assert a.events == ()


def test_it_rejects_an_unknown_measure_or_a_bad_value():
    with pytest.raises(ValueError, match="unknown motor measure 'grip'"):
        assess_motor([MotorTry(START, "grip", 3)], CFG)
    with pytest.raises(ValueError, match="tap_left value"):
        assess_motor([MotorTry(START, TAP_LEFT, -1)], CFG)
    with pytest.raises(ValueError, match="walk value"):
        assess_motor([MotorTry(START, WALK, float("nan"))], CFG)


def test_config_from_dict_rejects_unknown_keys_naming_them():
    with pytest.raises(ValueError, match="practise_tries"):
        MotorConfig.from_dict({"practise_tries": 3})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("practice_tries", -1),
        ("practice_tries", 2.5),
        ("baseline_tries", 0),
        ("sustained_tries", "3"),
        ("tap_decline_share", 20),
        ("walk_decline_share", 0),
        ("step_decline_share", True),
        ("motor_decline_severity", "loud"),
    ],
)
def test_config_from_dict_rejects_bad_values_naming_the_setting(key, value):
    with pytest.raises(ValueError, match=key):
        MotorConfig.from_dict({key: value})


def test_config_round_trips_and_merges_a_teams_overrides():
    assert MotorConfig.from_dict(DEFAULT_MOTOR_CONFIG.to_dict()) == DEFAULT_MOTOR_CONFIG
    assert MotorConfig.from_dict({}) == DEFAULT_MOTOR_CONFIG
    team = DEFAULT_MOTOR_CONFIG.merged({"tap_decline_share": 0.25, "sustained_tries": 2.0})
    assert team.tap_decline_share == 0.25 and team.sustained_tries == 2
    assert isinstance(team.sustained_tries, int)
    assert team.walk_decline_share == DEFAULT_MOTOR_CONFIG.walk_decline_share


def test_every_measure_has_a_label_used_in_evidence():
    for m in MEASURES:
        a = assess_motor(weekly([10, 10, 10, 10, 10, 10, 10, 1, 1, 1], measure=m), CFG)
        assert len(a.events) == 1, m


def test_a_patient_whose_own_tests_vary_widely_gets_a_wider_threshold():
    # After the baseline of 30 the tries swing by about 10 either way: their
    # own SD is about a third of the baseline, so 22 (27% down) is not news
    # for them, though it would be for a steady patient.
    values = [*PRACTICE, *BASELINE, 36, 26, 35, 25, 36, 26, 22, 22, 22]
    assert assess_motor(weekly(values), CFG).events == ()
    steady = MotorConfig.from_dict({**CFG.to_dict(), "own_noise_z": 0})
    assert [e.kind for e in assess_motor(weekly(values), steady).events] == [OPENED]
    s = assess_motor(weekly(values), CFG).measures[TAP_RIGHT]
    assert 0.3 < s.decline_share <= 0.5  # 0.5 is the cap: a halving always counts
    assert s.threshold < 22


def test_a_steady_patients_threshold_stays_at_the_configured_share():
    values = [*PRACTICE, *BASELINE, 30, 31, 30, 29, 30, 31]
    s = assess_motor(weekly(values), CFG).measures[TAP_RIGHT]
    assert s.decline_share == CFG.tap_decline_share
    assert s.threshold == 24


def test_recomputing_after_each_try_gives_the_events_of_the_full_history():
    # The Django side recomputes after every saved try: what it sees at each
    # step must be the prefix of the full replay (no event changes its date).
    from detection.motor_simulation import simulate_motor_cohort

    patients = [p for p in simulate_motor_cohort(40, 365, seed=11) if p.tries]
    with_events = 0
    for p in patients:
        full = assess_motor(p.tries, DEFAULT_MOTOR_CONFIG).events
        with_events += bool(full)
        dates = sorted({t.date for t in p.tries})
        for cut in dates[:: max(1, len(dates) // 6)]:
            prefix = [t for t in p.tries if t.date <= cut]
            assert assess_motor(prefix, DEFAULT_MOTOR_CONFIG).events == tuple(e for e in full if e.date <= cut)
    assert with_events >= 1  # the check saw some episodes

"""The simulated weekly motor tests follow the latent hand and walking levels, with practice and noise."""

import dataclasses
import datetime
import random
import statistics

from detection.motor_evaluation import ARM_RULES, ARMS, BOTH, MJOA, MOTOR, compare_motor_detection, score_alerts
from detection.motor_rules import STEP, TAP_LEFT, TAP_RIGHT, WALK
from detection.motor_simulation import (
    DEFAULT_START,
    draw_traits,
    estimate_latent,
    simulate_motor_cohort,
    simulate_motor_tries,
    tap_mean,
)
from detection.replay import replay_patients
from detection.rules import DECLINE_RULES
from detection.scoring import Truth, score
from detection.simulation import CheckInRow, day_scores, simulate_cohort

DAYS = 365


def _checkins_every_day(days=DAYS):
    return [CheckInRow("P", DEFAULT_START + datetime.timedelta(days=d), 4, 6, 2, 3, 0) for d in range(days)]


def _tries(hand, gait, seed=1, traits_seed=7, noise=1.0):
    # Every week's tests done, so that a handful of patients give enough tries.
    traits = dataclasses.replace(draw_traits(random.Random(traits_seed)), adherence=1.0)
    return simulate_motor_tries(
        random.Random(seed),
        _checkins_every_day(),
        Truth(False, None, None),
        days=DAYS,
        noise=noise,
        latent=([hand(d) for d in range(DAYS)], [gait(d) for d in range(DAYS)]),
        traits=traits,
    )


def _values(tries, measure, skip=8):
    return [t.value for t in tries if t.measure == measure and t.value is not None][skip:]


def test_tap_counts_follow_the_latent_hand_level():
    # The same person (same traits), once with normal hands, once unable to do up buttons.
    good = _tries(lambda d: 5.0, lambda d: 6.0)
    poor = _tries(lambda d: 2.0, lambda d: 6.0)
    ratio = statistics.median(_values(poor, TAP_RIGHT) + _values(poor, TAP_LEFT)) / statistics.median(
        _values(good, TAP_RIGHT) + _values(good, TAP_LEFT)
    )
    assert abs(ratio - tap_mean(2.0) / tap_mean(5.0)) < 0.12
    assert tap_mean(5.0) == 21.5 and tap_mean(3.0) < 16 and tap_mean(2.0) < 13  # CLINICAL.md figures


def test_a_falling_hand_level_brings_the_tap_counts_down_and_walking_stays():
    tries = _tries(lambda d: 5.0 - 2.0 * max(0, d - 180) / 185, lambda d: 6.0)
    early = [
        t.value for t in tries if t.measure in (TAP_LEFT, TAP_RIGHT) and 100 <= (t.date - DEFAULT_START).days < 180
    ]
    late = [t.value for t in tries if t.measure in (TAP_LEFT, TAP_RIGHT) and (t.date - DEFAULT_START).days >= 320]
    assert statistics.median([v for v in late if v is not None]) < 0.85 * statistics.median(
        [v for v in early if v is not None]
    )
    walk_early = [t.value for t in tries if t.measure == WALK and 100 <= (t.date - DEFAULT_START).days < 180]
    walk_late = [t.value for t in tries if t.measure == WALK and (t.date - DEFAULT_START).days >= 320]
    assert abs(statistics.median(walk_late) / statistics.median(walk_early) - 1) < 0.1


def test_taps_show_practice_gains_over_the_first_tries():
    first, plateau = [], []
    for p in simulate_motor_cohort(150, DAYS, seed=21):
        v = [t.value for t in p.tries if t.measure == TAP_RIGHT and t.value is not None]
        if len(v) >= 16 and p.truth.onset is None:
            ref = statistics.median(v[10:16])
            first.append(v[0] / ref)
            plateau.append(v[5] / ref)
    assert len(first) > 40
    assert statistics.mean(first) < 0.9  # the first try is well below the plateau
    assert statistics.mean(plateau) > 0.95  # most of the gain is in by the sixth try


def test_tests_are_weekly_and_done_less_often_than_the_check_ins():
    for p in list(simulate_motor_cohort(30, DAYS, seed=4))[:30]:
        dates = sorted({t.date for t in p.tries if t.measure == TAP_LEFT})
        assert all((b - a).days >= 5 for a, b in zip(dates, dates[1:], strict=False))
        assert len({t.date for t in p.tries}) < len(p.rows) / 4


def test_a_patient_who_cannot_walk_could_not_do_the_step_or_walk_test():
    tries = _tries(lambda d: 4.0, lambda d: 2.0)
    gait_tries = [t for t in tries if t.measure in (STEP, WALK)]
    assert gait_tries and all(t.value is None for t in gait_tries)
    assert any(t.value is not None for t in tries if t.measure == TAP_LEFT)


def test_could_not_do_it_days_come_more_often_as_walking_gets_harder():
    def share_none(gait):
        tries = [t for seed in range(4) for t in _tries(lambda d: 4.0, lambda d: gait, seed=seed) if t.measure == WALK]
        return sum(t.value is None for t in tries) / len(tries)

    assert share_none(6.0) < 0.05
    assert share_none(3.0) > 2 * share_none(6.0)


def test_doubled_noise_widens_the_test_retest_spread():
    def spread(noise):
        v = _values(_tries(lambda d: 4.0, lambda d: 6.0, noise=noise), WALK)
        return statistics.pstdev(v) / statistics.mean(v)

    assert spread(2.0) > 1.5 * spread(1.0)


def test_the_cohort_keeps_simulate_cohorts_self_reports_and_is_reproducible():
    a = list(simulate_motor_cohort(15, 120, seed=2))
    b = list(simulate_motor_cohort(15, 120, seed=2))
    plain = list(simulate_cohort(15, 120, 2))
    assert [p.tries for p in a] == [p.tries for p in b]
    assert [(p.rows, p.truth) for p in a] == plain


def test_the_latent_estimate_finds_a_known_step_and_does_not_read_it_before_the_onset():
    onset = 150
    rows = [
        CheckInRow("P", DEFAULT_START + datetime.timedelta(days=d), 4 if d < onset else 2, 6, 2, 3, 0)
        for d in range(DAYS)
        if d % 3
    ]
    est = estimate_latent(rows, DEFAULT_START + datetime.timedelta(days=onset), DEFAULT_START, DAYS, "fine_motor")
    assert all(abs(est[d] - 4) < 0.01 for d in range(onset))
    assert all(abs(est[d] - 2) < 0.01 for d in range(onset, DAYS))


def test_the_motor_scoring_uses_the_same_definitions_as_score_detection():
    checkins, truth = {}, {}
    for rows, t in simulate_cohort(80, 240, 5):
        checkins[t.patient_id] = day_scores(rows)
        truth[t.patient_id] = Truth(bool(t.progresses), t.decline_date, t.onset)
    alerts = list(replay_patients(checkins))
    assert alerts
    ours = score_alerts(alerts, truth, checkins, rules=frozenset(DECLINE_RULES))
    assert ours.as_dict() == score(alerts, truth, checkins).as_dict()


def test_with_and_without_the_motor_tests_on_a_tiny_cohort():
    result = compare_motor_detection(60, 240, seed=9)
    mjoa, motor, both = (result.scores[arm] for arm in (MJOA, MOTOR, BOTH))
    assert set(result.scores) == set(ARMS) and ARM_RULES[BOTH] == ARM_RULES[MJOA] | ARM_RULES[MOTOR]
    assert mjoa.progressors == motor.progressors == both.progressors > 0
    assert both.detected >= max(mjoa.detected, motor.detected)
    assert both.false_alerts == mjoa.false_alerts + motor.false_alerts
    assert result.motor_tries > 60 * 4 and 0 < result.could_not_do < result.motor_tries
    assert "mJOA + motor rule" in result.table()
    assert result.as_dict()["arms"][MOTOR]["progressors"] == motor.progressors

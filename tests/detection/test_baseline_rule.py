"""Personal baselines: median of the first 7 check-ins within 14 days."""

import datetime

from detection.rules import DayScore, PatientDetector, RuleConfig, compute_baseline, median, replay_patient

START = datetime.date(2025, 3, 1)


def day(n: int, fm=4, g=6, s=2, b=3, red_flag=False) -> DayScore:
    return DayScore(START + datetime.timedelta(days=n), fm, g, s, b, red_flag)


def test_the_baseline_is_the_median_of_the_first_seven_check_ins():
    days = [day(0, 4, 6), day(1, 4, 5), day(2, 5, 6), day(3, 4, 6), day(4, 1, 2), day(5, 4, 6), day(6, 4, 7)]
    days.append(day(7, 0, 0, 0, 0))  # the 8th check-in is not part of it
    baseline = compute_baseline(days)
    # Walking 2, 5, 6, 6, 6, 6, 7: the median 6, interpolated within the four 6s.
    assert (baseline.fine_motor, baseline.gait, baseline.sensation, baseline.bladder) == (4.0, 5.875, 2.0, 3.0)
    assert baseline.total == median([15, 14, 16, 15, 8, 15, 16])
    assert (baseline.first_date, baseline.last_date, baseline.checkins) == (START, day(6).date, 7)


def test_ties_between_whole_points_give_a_value_between_them():
    assert median([2, 2, 2, 3, 3, 3, 3]) == 2.625
    assert median([2, 2, 3, 3]) == 2.5
    assert median([15] * 7) == 15.0
    assert median([15, 15, 15, 15, 15, 15, 9]) == 15 - 0.5 + 2.5 / 6  # one bad day barely moves it


def test_there_is_no_baseline_until_seven_check_ins_fall_within_fourteen_days():
    sparse = [day(n) for n in range(0, 28, 3)]  # every third day: 5 in any 14 days
    assert compute_baseline(sparse) is None
    then_daily = sparse + [day(n) for n in range(28, 35)]
    assert compute_baseline(then_daily).first_date == day(18).date  # days 18, 21, 24, 27, 28, 29, 30


def test_a_baseline_can_start_from_a_given_date():
    days = [day(n, 5, 7, 3, 3) for n in range(10)] + [day(n, 3, 5, 2, 2) for n in range(10, 20)]
    assert compute_baseline(days, start=day(10).date).total == 12.0


def test_the_detector_builds_the_same_baseline_as_compute_baseline():
    days = [day(n, 4, 6 - (n % 3 == 0), 2, 3) for n in range(0, 30) if n % 4 != 1]
    det, _ = replay_patient(days)
    assert det.baseline == compute_baseline(days)


def test_before_a_baseline_exists_only_red_flags_alert():
    det = PatientDetector(RuleConfig.from_dict({"baseline_checkins": 7}))
    events = []
    for n in range(6):
        events.extend(det.feed(day(n, 0, 1, 0, 0, red_flag=n == 5)))
    assert [e.rule for e in events] == ["red_flag"]
    assert det.baseline is None


def test_a_longer_baseline_setting_is_honoured():
    config = RuleConfig.from_dict({"baseline_checkins": 10, "baseline_days": 21})
    days = [day(n) for n in range(9)]
    assert compute_baseline(days, config) is None
    assert compute_baseline(days + [day(9)], config).checkins == 10

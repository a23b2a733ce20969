"""Check-ins fed packed as integers (the nightly sweep's path) give what feeding DayScores gives."""

import datetime
import json

import pytest

from detection.simulation import simulate_cohort


def cohort(R, seed: int, noise: float):
    for checkins, _truth in simulate_cohort(40, 240, seed, noise=noise):
        yield [R.DayScore(c.date, c.fine_motor, c.gait, c.sensation, c.bladder, bool(c.red_flag)) for c in checkins]


def as_bytes(events, det) -> str:
    return json.dumps([e.to_dict() for e in events]) + repr(events) + json.dumps(det.to_dict()) + repr(det.to_dict())


@pytest.mark.parametrize(("seed", "noise"), [(21, 1.0), (22, 2.0)])
def test_feeding_packed_days_gives_the_events_and_state_of_feeding_them_one_by_one(R, seed, noise):
    configs = [R.RuleConfig(), R.RuleConfig(missed_checkins_days=2, sustained_checkins=5, rearm_checkins=4)]
    opened = 0
    for days in cohort(R, seed, noise):
        for config in configs:
            one_by_one = R.PatientDetector(config)
            events = [e for d in days for e in one_by_one.feed(d)]
            packed = R.PatientDetector(config)
            codes = [R.pack_day(d.date, d.fine_motor, d.gait, d.sensation, d.bladder, d.red_flag) for d in days]
            assert as_bytes(packed.feed_packed(codes), packed) == as_bytes(events, one_by_one)
            opened += sum(e.kind == R.OPENED for e in events)
    # The cohorts open episodes of several rules, gaps included, or the comparison says little.
    assert opened > 40


def test_a_packed_day_unpacks_to_the_same_check_in(R):
    dates = [
        datetime.date(1901, 2, 3),
        datetime.date(1969, 12, 31),
        datetime.date(1970, 1, 1),
        datetime.date(2999, 12, 31),
    ]
    for date in dates:
        for answers in [(0, 0, 0, 0), (5, 7, 3, 3), (4, 6, 2, 3)]:
            for red_flag in (False, True):
                code = R.pack_day(date, *answers, red_flag)
                assert R.unpack_day(code) == R.DayScore(date, *answers, red_flag)


def test_packed_days_sort_by_date_whatever_the_answers(R):
    day = datetime.date(1969, 12, 31)
    later = day + datetime.timedelta(days=1)
    assert R.pack_day(day, 5, 7, 3, 3, True) < R.pack_day(later, 0, 0, 0, 0, False)


def test_a_packed_day_not_after_the_last_one_fed_is_refused(R):
    det = R.PatientDetector()
    day = datetime.date(2025, 3, 1)
    det.feed_packed([R.pack_day(day, 4, 6, 2, 3)])
    with pytest.raises(R.OutOfOrderCheckIn):
        det.feed_packed([R.pack_day(day, 4, 6, 2, 3)])

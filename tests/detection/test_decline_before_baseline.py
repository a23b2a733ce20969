"""A decline during the weeks the baseline is being built: the check-ins the sliding window leaves behind."""

import datetime

import pytest

START = datetime.date(2025, 3, 1)


def history(R, before, gap_days, after, *, domains=None):
    """``before`` totals on consecutive days, a gap, then ``after`` totals daily (domains split the total)."""

    def day(n, total):
        fm = min(5, total // 4)
        g = min(7, total - fm - 5 if total - fm - 5 > 0 else 0)
        rest = total - fm - g
        s, b = min(3, rest - rest // 2), rest // 2
        assert fm + g + s + b == total, total
        return R.DayScore(START + datetime.timedelta(days=n), fm, g, s, b)

    days = [day(i, t) for i, t in enumerate(before)]
    first_after = len(before) + gap_days
    days += [day(first_after + i, t) for i, t in enumerate(after)]
    return days


def feed_all(R, days, config=None):
    det = R.PatientDetector(config)
    events = []
    for d in days:
        events += det.feed(d)
    return det, events


def decline_openings(R, events):
    return [e for e in events if e.kind == R.OPENED and e.rule in R.DECLINE_RULES]


def test_a_fall_during_a_gap_before_the_baseline_opens_a_sustained_decline_when_the_baseline_forms(R):
    # Three check-ins at 14, a fortnight away, then a week at 11: the baseline
    # is made of the lower week, so only the check-ins left behind show the fall.
    days = history(R, [14, 14, 15], 16, [11] * 7)
    det, events = feed_all(R, days)
    opened = decline_openings(R, events)
    assert [(e.rule, e.date) for e in opened] == [(R.SUSTAINED_DECLINE, days[-1].date)]
    data = opened[0].evidence_data
    assert det.baseline.total == 11.0
    assert data["baseline"] == 14 - 0.5 + 1.5 / 2  # the median of 14, 14, 15, interpolated within the 14s
    assert data["median"] == 11.0
    assert data["before_baseline"] == [14, 14, 15]
    assert data["before_window"] == [START.isoformat(), (START + datetime.timedelta(days=2)).isoformat()]
    assert "before them" in opened[0].evidence and "1 Mar" in opened[0].evidence
    assert 0 < data["probability_real"] < 1


def test_a_smaller_difference_or_too_few_check_ins_left_behind_opens_nothing(R):
    # 2 points: past the MCID but within the noise of three check-ins' median.
    _, events = feed_all(R, history(R, [13, 13, 13], 16, [11] * 14))
    assert decline_openings(R, events) == []
    # Two check-ins before the gap are not enough to say where the patient started.
    _, events = feed_all(R, history(R, [15, 15], 16, [11] * 14))
    assert decline_openings(R, events) == []


def test_a_patient_who_stays_at_the_lower_level_is_not_called_recovered(R):
    days = history(R, [14, 14, 15], 16, [11] * 40)
    det, events = feed_all(R, days)
    assert [e.kind for e in events if e.rule == R.SUSTAINED_DECLINE] == [R.OPENED]
    assert det.open_rules == [R.SUSTAINED_DECLINE]


def test_the_episode_recovers_when_the_patient_is_back_near_the_earlier_level(R):
    days = history(R, [14, 14, 15], 16, [11] * 7 + [13] * 7)
    det, events = feed_all(R, days)
    closed = [e for e in events if e.kind == R.CLOSED and e.rule == R.SUSTAINED_DECLINE]
    assert [(e.reason, e.date) for e in closed] == [(R.RECOVERED, days[-1].date)]
    assert "the level before the baseline 14" in closed[0].evidence
    # From then on the baseline (11) is the reference again: a fall to 9 is a new decline.
    more = [R.DayScore(days[-1].date + datetime.timedelta(days=i), 2, 3, 2, 2) for i in range(1, 15)]
    for d in more:
        events += det.feed(d)
    assert [e.rule for e in decline_openings(R, events)].count(R.SUSTAINED_DECLINE) == 2


def test_saving_the_state_while_the_baseline_forms_gives_the_same_events(R):
    days = history(R, [14, 14, 15, 14], 16, [11] * 7 + [12] * 10 + [14] * 8)
    _, straight = feed_all(R, days)
    det, resumed = None, []
    for d in days:
        det = R.PatientDetector() if det is None else R.PatientDetector.from_dict(det.to_dict())
        resumed += det.feed(d)
    assert [e.to_dict() for e in resumed] == [e.to_dict() for e in straight]
    assert any(e.rule == R.SUSTAINED_DECLINE and e.kind == R.CLOSED for e in straight)


def test_a_state_saved_before_the_rule_existed_still_loads(R):
    det, _ = feed_all(R, history(R, [], 0, [12] * 10))
    state = det.to_dict()
    del state["left_behind"], state["recovery_total"]
    loaded = R.PatientDetector.from_dict(state)
    assert loaded.to_dict() == det.to_dict()


def test_the_rule_has_settings_a_care_team_can_change(R):
    days = history(R, [13, 13, 13], 16, [11] * 7)
    _, events = feed_all(R, days, R.RuleConfig.from_dict({"prebaseline_drop": 2.0}))
    assert [e.rule for e in decline_openings(R, events)] == [R.SUSTAINED_DECLINE]
    _, events = feed_all(R, history(R, [15, 15], 16, [11] * 7), R.RuleConfig.from_dict({"prebaseline_checkins": 2}))
    assert [e.rule for e in decline_openings(R, events)] == [R.SUSTAINED_DECLINE]
    with pytest.raises(ValueError, match="prebaseline_drop must be positive"):
        R.RuleConfig.from_dict({"prebaseline_drop": 0})

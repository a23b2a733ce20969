"""The progression rules, fed check-in by check-in (no database)."""

import datetime
import json
import random
import re

import pytest

from detection.rules import (
    CLOSED,
    DECLINE_RULES,
    OPENED,
    REBASELINED,
    RECOVERED,
    Baseline,
    DayScore,
    OutOfOrderCheckIn,
    PatientDetector,
    RuleConfig,
    replay_patient,
)
from detection.simulation import day_scores, simulate_cohort

START = datetime.date(2025, 1, 1)
# A mild patient: total 15 (hands 4, walking 6, feeling 2, bladder 3).
STABLE = (4, 6, 2, 3)


def day(n: int, fm=4, g=6, s=2, b=3, red_flag=False) -> DayScore:
    return DayScore(START + datetime.timedelta(days=n), fm, g, s, b, red_flag)


def stable_days(first: int, count: int) -> list[DayScore]:
    """A stable patient with ordinary day-to-day wobble of one point either way."""
    wobble = [(4, 6, 2, 3), (4, 6, 2, 3), (4, 5, 2, 3), (4, 6, 2, 3), (5, 6, 2, 3), (4, 6, 2, 3), (4, 6, 3, 3)]
    return [day(first + i, *wobble[i % len(wobble)]) for i in range(count)]


def steady_days(first: int, count: int) -> list[DayScore]:
    """The same answers every day: total 15."""
    return [day(first + i) for i in range(count)]


def feed_all(det: PatientDetector, days: list[DayScore]) -> list:
    events = []
    for d in days:
        events.extend(det.feed(d))
    return events


def opened(events, rule=None):
    return [e for e in events if e.kind == OPENED and (rule is None or e.rule == rule)]


def test_one_bad_day_does_not_alert():
    days = stable_days(0, 30) + [day(30, 3, 4, 1, 3)] + stable_days(31, 30)
    _, events = replay_patient(days)
    assert opened(events) == []


def test_a_bad_spell_of_three_days_that_recovers_does_not_alert():
    days = stable_days(0, 30) + [day(30 + i, 3, 4, 2, 3) for i in range(3)] + stable_days(33, 30)
    _, events = replay_patient(days)
    assert opened(events) == []


def test_a_sustained_two_point_drop_opens_one_sustained_decline_with_evidence():
    days = [day(i) for i in range(20)] + [day(20 + i, 3, 5, 2, 3) for i in range(30)]
    _, events = replay_patient(days)
    sustained = opened(events, "sustained_decline")
    assert len(sustained) == 1
    alert = sustained[0]
    assert alert.severity == "high"
    assert alert.date > days[20].date
    assert alert.evidence.startswith("Total 13 vs baseline 15 (-2) over the last ")
    assert alert.evidence_data["baseline"] == 15
    assert alert.evidence_data["median"] == 13
    assert set(alert.evidence_data["values"]) == {13}


def test_no_second_alert_of_a_rule_while_one_is_open():
    days = stable_days(0, 20) + [day(20 + i, 3, 5, 2, 3) for i in range(120)]
    _, events = replay_patient(days)
    assert len(opened(events, "sustained_decline")) == 1
    assert [e for e in events if e.kind == CLOSED] == []


def test_the_rule_rearms_after_a_week_back_within_the_mcid_and_a_new_decline_alerts_again():
    declined = [day(20 + i, 3, 5, 2, 3) for i in range(20)]
    recovered = stable_days(40, 10)
    again = [day(50 + i, 3, 5, 2, 3) for i in range(20)]
    _, events = replay_patient(steady_days(0, 20) + declined + recovered + again)

    sustained = [e for e in events if e.rule == "sustained_decline"]
    assert [e.kind for e in sustained] == [OPENED, CLOSED, OPENED]
    closed = sustained[1]
    assert closed.reason == RECOVERED
    assert closed.date == START + datetime.timedelta(days=46)  # the 7th check-in back
    assert "Back within 2 points of baseline 15 on the last 7 check-ins" in closed.evidence


def test_a_red_flag_alerts_at_once_even_before_a_baseline_exists():
    det = PatientDetector()
    events = det.feed(day(0, red_flag=True))
    assert [(e.kind, e.rule, e.severity, e.date) for e in events] == [(OPENED, "red_flag", "urgent", START)]
    assert det.baseline is None


def test_a_second_red_flag_while_one_is_open_opens_no_new_alert():
    det = PatientDetector()
    det.feed(day(0, red_flag=True))
    assert det.feed(day(1, red_flag=True)) == []
    assert det.open_rules == ["red_flag"]


def test_after_the_care_team_closes_a_red_flag_the_next_one_alerts_again():
    det = PatientDetector()
    det.feed(day(0, red_flag=True))
    [closed] = det.close("red_flag", START)
    assert closed.reason == "closed_by_clinician"
    assert closed.evidence_data["dates"] == [START.isoformat()]
    assert opened(det.feed(day(1, red_flag=True)), "red_flag")


def test_a_decline_alert_closed_by_the_care_team_does_not_reopen_the_next_day():
    det = PatientDetector()
    events = feed_all(det, stable_days(0, 20) + [day(20 + i, 3, 5, 2, 3) for i in range(10)])
    alert = opened(events, "sustained_decline")[0]
    det.close("sustained_decline", alert.date)
    assert opened(feed_all(det, [day(30 + i, 3, 5, 2, 3) for i in range(20)]), "sustained_decline") == []


def test_a_one_point_bladder_drop_that_stays_is_a_domain_decline_naming_the_domain():
    days = stable_days(0, 20) + [day(20 + i, 4, 6, 2, 2) for i in range(20)]
    _, events = replay_patient(days)
    [alert] = opened(events)
    assert alert.rule == "domain_decline"
    assert alert.severity == "moderate"
    assert alert.evidence.startswith("Bladder 2 vs baseline 3 (-1) over the last ")
    assert alert.evidence_data["domains"] == ["bladder"]


def test_a_four_point_step_drop_within_days_is_a_rapid_decline():
    days = steady_days(0, 20) + [day(20 + i, 3, 4, 1, 3) for i in range(10)]
    _, events = replay_patient(days)
    rapid = opened(events, "rapid_decline")
    assert len(rapid) == 1
    assert rapid[0].severity == "urgent"
    # The 3rd low check-in: 4 points down on each is strong evidence for a
    # patient this steady (the early test); a weaker step waits for the 4th.
    assert rapid[0].date == START + datetime.timedelta(days=22)
    assert rapid[0].evidence_data["values"] == [11, 11, 11]
    assert "Total fell from 15 to 11 (-4) within" in rapid[0].evidence
    assert rapid[0].evidence.endswith(", -4 from baseline 15")


def test_a_rapid_drop_after_a_slow_one_names_how_far_below_baseline_it_now_is():
    # A week at 13 (2 down), then a step to 10: "fell from 13" alone would read as a 3-point fall.
    days = stable_days(0, 20) + [day(20 + i, 4, 5, 2, 2) for i in range(7)]
    days += [day(27 + i, 3, 4, 1, 2) for i in range(6)]
    _, events = replay_patient(days)
    [rapid] = opened(events, "rapid_decline")
    found = re.fullmatch(
        r"Total fell from ([\d.]+) to ([\d.]+) \((-[\d.]+)\) within \d+ days, (-[\d.]+) from baseline ([\d.]+)",
        rapid.evidence,
    )
    assert found, rapid.evidence
    before, now, fall, below, baseline = (float(g) for g in found.groups())
    # The week already down makes the fall from just before small; the distance from baseline says how far.
    assert fall == pytest.approx(now - before, abs=0.11) and below == pytest.approx(now - baseline, abs=0.11)
    assert below <= fall - 1.5 and below <= -2


def test_a_slow_drift_of_one_and_a_half_points_is_caught_by_the_drift_rule():
    # 13.5 on average against a baseline of 15: never a clear 2-point median drop.
    low = [(4, 5, 2, 3), (4, 5, 2, 2), (3, 5, 2, 3), (4, 6, 2, 2), (4, 5, 1, 3), (4, 5, 2, 2)]
    days = stable_days(0, 20) + [day(20 + i, *low[i % len(low)]) for i in range(60)]
    _, events = replay_patient(days)
    assert [e.rule for e in opened(events)] == ["drift"]
    assert "day-to-day variation" in opened(events)[0].evidence


def test_missed_checkins_alert_after_three_days_and_close_when_the_patient_checks_in():
    det = PatientDetector()
    feed_all(det, stable_days(0, 10))  # last check-in on day 9
    assert det.tick(START + datetime.timedelta(days=11)) == []
    [alert] = det.tick(START + datetime.timedelta(days=12))
    assert (alert.rule, alert.severity) == ("missed_checkins", "low")
    assert alert.evidence == "No check-in for 3 days (last on 10 Jan 2025)"
    assert det.tick(START + datetime.timedelta(days=13)) == []
    [closed] = det.feed(day(14))
    assert (closed.kind, closed.rule, closed.reason) == (CLOSED, "missed_checkins", "checked_in")


def test_a_gap_in_the_history_gives_the_missed_alert_the_nightly_sweep_would_have_given():
    _, events = replay_patient(stable_days(0, 10) + stable_days(15, 5))
    missed = [e for e in events if e.rule == "missed_checkins"]
    assert [(e.kind, e.date) for e in missed] == [
        (OPENED, START + datetime.timedelta(days=12)),
        (CLOSED, START + datetime.timedelta(days=15)),
    ]


def test_a_check_in_not_after_the_last_one_is_refused():
    det = PatientDetector()
    det.feed(day(3))
    with pytest.raises(OutOfOrderCheckIn):
        det.feed(day(3))


def test_rebaselining_closes_open_decline_alerts_and_builds_a_new_baseline_from_that_date():
    det = PatientDetector()
    declined = [day(20 + i, 3, 5, 2, 3) for i in range(20)]
    feed_all(det, stable_days(0, 20) + declined)
    assert "sustained_decline" in det.open_rules
    was_open = set(det.open_rules) & DECLINE_RULES
    events = det.rebaseline(declined[10].date, declined[10:])
    closed = [e for e in events if e.kind == CLOSED]
    assert {e.rule for e in closed} == was_open
    assert {e.reason for e in closed} == {REBASELINED}
    assert det.baseline.total == 13
    assert det.baseline.first_date == declined[10].date
    assert not set(det.open_rules) & DECLINE_RULES
    assert opened(feed_all(det, [day(40 + i, 3, 5, 2, 3) for i in range(20)])) == []


def test_a_baseline_set_by_hand_is_used_from_then_on():
    det = PatientDetector()
    feed_all(det, stable_days(0, 10))
    det.set_baseline(
        Baseline.by_hand(fine_motor=5, gait=7, sensation=3, bladder=3), START + datetime.timedelta(days=10)
    )
    assert det.baseline.total == 18
    events = feed_all(det, stable_days(10, 20))
    assert opened(events, "sustained_decline")


def _simulated_histories(n=40, days=365, seed=11, noise=1.5):
    for rows, _ in simulate_cohort(n, days, seed, noise):
        yield day_scores(rows)


def test_feeding_with_the_state_saved_to_json_between_check_ins_gives_the_same_alerts_as_a_full_replay():
    rng = random.Random(3)
    total_events = 0
    for days in _simulated_histories():
        _, expected = replay_patient(days)
        det = PatientDetector()
        got = []
        for d in days:
            if rng.random() < 0.2:  # the nightly sweep saves and reloads state
                det = PatientDetector.from_dict(json.loads(json.dumps(det.to_dict())))
            got.extend(det.feed(d))
        assert got == expected
        assert json.loads(json.dumps(det.to_dict())) == replay_patient(days)[0].to_dict()
        total_events += len(expected)
    assert total_events > 20  # the histories exercise the rules


def test_rule_config_takes_overrides_and_rejects_unknown_or_bad_keys():
    config = RuleConfig.from_dict({"missed_checkins_days": 5, "mcid": 3})
    assert (config.missed_checkins_days, config.mcid, config.gait_threshold) == (5, 3, 2)
    assert config.merged({"gait_threshold": 1}).gait_threshold == 1
    with pytest.raises(ValueError, match="unknown rule setting"):
        RuleConfig.from_dict({"mcidd": 2})
    with pytest.raises(ValueError, match="missed_checkins_days"):
        RuleConfig.from_dict({"missed_checkins_days": 2.5})
    with pytest.raises(ValueError, match="mcid"):
        RuleConfig.from_dict({"mcid": "2"})
    with pytest.raises(ValueError, match="severity"):
        RuleConfig.from_dict({"drift_severity": "meh"})


def test_a_care_team_threshold_changes_what_alerts():
    days = steady_days(0, 20) + [day(20 + i, 4, 5, 2, 3) for i in range(30)]  # walking down by one
    assert opened(replay_patient(days)[1], "domain_decline") == []
    strict = RuleConfig.from_dict({"gait_threshold": 1})
    assert opened(replay_patient(days, strict)[1], "domain_decline")


def test_a_care_team_rapid_window_shorter_than_the_early_test_keeps_its_meaning():
    # An override of rapid_checkins 2 (older than the 3-check-in test) is still valid: two
    # check-ins 4 points down alert on the 2nd, as the 2-check-in test always did, even when
    # the check-in before them is a fortnight earlier (outside rapid_days).
    config = RuleConfig.from_dict({"rapid_checkins": 2})
    days = steady_days(0, 20) + [day(34 + i, 3, 4, 1, 3) for i in range(10)]
    rapid = opened(replay_patient(days, config)[1], "rapid_decline")
    assert rapid[0].date == START + datetime.timedelta(days=35)
    assert rapid[0].evidence_data["values"] == [11, 11]

import json
from datetime import date, timedelta

import pytest

from notifications.models import Alert
from patients.models import PatientEvent
from tests.conftest import add_history
from tracker.models import Baseline, CheckIn
from tracker.trends import baseline_segments, range_bounds, rolling_median, trend_series

D0 = date(2026, 3, 1)


def make_baseline(patient, effective_from, total=15.0, **extra):
    values = {"fine_motor": 4.0, "gait": 6.0, "sensation": 2.0, "bladder": 3.0, "total": total}
    values.update(extra)
    return Baseline.objects.create(patient=patient, method="automatic", effective_from=effective_from, **values)


def test_rolling_median_ignores_a_single_bad_day():
    assert rolling_median([15, 15, 15, 9, 15, 15, 15]) == [15, 15, 15, 15, 15, 15, 15]
    assert rolling_median([10, 12]) == [10.0, 11.0]


def test_it_returns_daily_values_per_domain_and_total(patient):
    add_history(patient, {0: (4, 6, 2, 3), 1: (3, 5, 2, 3), 3: (4, 6, 1, 2)}, start=D0)
    data = trend_series(patient=patient, start=D0, end=D0 + timedelta(days=10))
    assert data["dates"] == ["2026-03-01", "2026-03-02", "2026-03-04"]
    assert data["series"]["fine_motor"] == [4, 3, 4]
    assert data["series"]["sensation"] == [2, 2, 1]
    assert data["series"]["total"] == [15, 13, 13]
    assert data["smoothed"]["total"] == [15.0, 14.0, 13.0]
    json.dumps(data)  # JSON-safe for the API


def test_the_smoothed_line_uses_check_ins_before_the_range(patient):
    add_history(patient, {i: (1, 3, 1, 1) for i in range(6)} | {6: (5, 7, 3, 3)}, start=D0)
    data = trend_series(patient=patient, start=D0 + timedelta(days=6), end=D0 + timedelta(days=6))
    assert data["series"]["total"] == [18]
    assert data["smoothed"]["total"] == [6.0]  # median of six 6s and one 18


def test_it_excludes_check_ins_outside_the_range(patient):
    add_history(patient, days=20, start=D0)
    data = trend_series(patient=patient, start=D0 + timedelta(days=5), end=D0 + timedelta(days=9))
    assert data["dates"][0] == "2026-03-06" and data["dates"][-1] == "2026-03-10"
    assert len(data["dates"]) == 5


def test_baseline_history_becomes_segments_clipped_to_the_range(patient):
    make_baseline(patient, D0, total=15.0)
    make_baseline(patient, D0 + timedelta(days=10), total=13.0)
    data = trend_series(patient=patient, start=D0 + timedelta(days=5), end=D0 + timedelta(days=20))
    segments = [(s["from"], s["to"], s["total"]) for s in data["baselines"]]
    assert segments == [("2026-03-06", "2026-03-10", 15.0), ("2026-03-11", "2026-03-21", 13.0)]


def test_a_later_baseline_with_the_same_effective_date_supersedes(patient):
    make_baseline(patient, D0, total=15.0)
    make_baseline(patient, D0, total=16.0, reason="corrected")
    segments = baseline_segments(list(Baseline.objects.filter(patient=patient)), start=D0, end=D0 + timedelta(days=3))
    assert [(s["total"], s["reason"]) for s in segments] == [(16.0, "corrected")]


def test_a_baseline_taking_effect_after_the_range_is_left_out(patient):
    make_baseline(patient, D0 + timedelta(days=30))
    assert trend_series(patient=patient, start=D0, end=D0 + timedelta(days=10))["baselines"] == []


def test_alerts_events_red_flags_and_notes_are_included(patient):
    add_history(patient, {0: (4, 6, 2, 3), 2: (4, 6, 2, 3)}, start=D0)
    CheckIn.objects.filter(patient=patient, date=D0 + timedelta(days=2)).update(
        rf_weakness=True, red_flag=True, note="Worse since my fall"
    )
    Alert.objects.create(
        patient=patient,
        rule="domain_decline",
        severity="high",
        date=D0 + timedelta(days=2),
        evidence="Walking 4 vs baseline 6 (-2) over the last 5 check-ins",
        evidence_data={"domains": ["gait"]},
    )
    PatientEvent.objects.create(patient=patient, kind="surgery", date=D0 + timedelta(days=1), note="C5-6 ACDF")
    data = trend_series(patient=patient, start=D0, end=D0 + timedelta(days=5))
    assert data["alerts"][0]["rule"] == "domain_decline"
    assert data["alerts"][0]["domains"] == ["gait"]
    assert "Walking 4 vs baseline 6" in data["alerts"][0]["evidence"]
    assert data["events"] == [{"date": "2026-03-02", "kind": "surgery", "label": "Surgery", "note": "C5-6 ACDF"}]
    assert data["red_flag_days"] == [{"date": "2026-03-03", "flags": ["rf_weakness"], "total": 15}]
    assert data["notes"] == [{"date": "2026-03-03", "note": "Worse since my fall"}]


def test_without_a_start_it_begins_at_the_first_check_in(patient):
    add_history(patient, days=3, start=D0)
    data = trend_series(patient=patient, end=D0 + timedelta(days=40))
    assert data["start"] == "2026-03-01"
    assert len(data["dates"]) == 3


@pytest.mark.parametrize(("key", "days"), [("30d", 30), ("90d", 90), ("1y", 365)])
def test_fixed_ranges_end_today(patient, key, days):
    start, end = range_bounds(key, patient=patient, today=D0)
    assert end == D0 and (end - start).days == days - 1


def test_the_visit_range_starts_at_the_latest_visit(patient):
    PatientEvent.objects.create(patient=patient, kind="visit", date=D0 - timedelta(days=40))
    PatientEvent.objects.create(patient=patient, kind="visit", date=D0 - timedelta(days=12))
    PatientEvent.objects.create(patient=patient, kind="surgery", date=D0 - timedelta(days=5))
    assert range_bounds("visit", patient=patient, today=D0) == (D0 - timedelta(days=12), D0)


def test_the_visit_range_without_a_visit_is_everything(patient):
    assert range_bounds("visit", patient=patient, today=D0) == (None, D0)


def test_the_chart_view_opens_at_the_first_check_in_when_the_range_reaches_back_further(patient):
    add_history(patient, days=5, start=D0)
    data = trend_series(patient=patient, start=D0 - timedelta(days=300), end=D0 + timedelta(days=10))
    assert data["start"] == "2025-05-05" and data["view_start"] == "2026-03-01"
    later = trend_series(patient=patient, start=D0 + timedelta(days=2), end=D0 + timedelta(days=10))
    assert later["view_start"] == later["start"] == "2026-03-03"


def test_rolling_median_is_statistics_median_over_each_window():
    import random
    import statistics

    rng = random.Random(3)
    values = [rng.randint(0, 18) for _ in range(400)]
    for window in (1, 2, 6, 7):
        expected = [float(statistics.median(values[max(0, i - window + 1) : i + 1])) for i in range(len(values))]
        assert rolling_median(values, window) == expected


@pytest.mark.parametrize("before", [0, 3, 6, 10])
def test_the_smoothed_line_of_a_range_counts_the_check_ins_just_before_it(patient, before):
    gaits = [6, 2, 6, 3, 5, 1, 4, 6, 0, 7, 2, 5, 3, 6, 1, 4]
    # Every other day, so "just before" means check-ins, not calendar days.
    add_history(patient, {2 * i: (4, g, 2, 3) for i, g in enumerate(gaits)}, start=D0)
    start = D0 + timedelta(days=2 * before)
    data = trend_series(patient=patient, start=start, end=D0 + timedelta(days=40))
    assert data["series"]["gait"] == gaits[before:]
    assert data["smoothed"]["gait"] == rolling_median(gaits)[before:]
    assert data["dates"][0] == start.isoformat()

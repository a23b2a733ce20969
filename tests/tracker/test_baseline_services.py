"""Baseline services: the first baseline, re-baselining from a date, a baseline set by hand."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Alert
from tests.conftest import add_history
from tracker.evaluation import evaluate_patients
from tracker.models import Baseline
from tracker.services import baseline_compute_initial, baseline_reset, baseline_set_manual

GOOD = (4, 6, 2, 3)  # total 15
WORSE = (3, 5, 1, 3)  # total 12: -3, and sensation -1
MUCH_WORSE = (2, 4, 1, 2)  # total 9


def history(patient, segments, start):
    """segments: [(days, scores)], consecutive from start."""
    rows, offset = {}, 0
    for days, scores in segments:
        for _ in range(days):
            rows[offset] = scores
            offset += 1
    add_history(patient, rows, start=start)
    return start + timedelta(days=offset)


def test_the_first_baseline_is_the_median_of_the_first_7_checkins_within_14_days(patient):
    start = patient.local_today() - timedelta(days=40)
    # Seven check-ins spread over 13 days (every other day), then much worse days
    # that must not count.
    add_history(patient, {i * 2: GOOD if i != 3 else WORSE for i in range(7)}, start=start)
    add_history(patient, {20 + i: MUCH_WORSE for i in range(10)}, start=start)

    baseline = baseline_compute_initial(patient=patient)

    assert baseline.method == Baseline.Method.AUTOMATIC
    assert baseline.total == pytest.approx(15.0, abs=0.5)
    assert (baseline.source_from, baseline.source_to, baseline.source_count) == (
        start,
        start + timedelta(days=12),
        7,
    )
    # Asking again changes nothing and adds no row.
    assert baseline_compute_initial(patient=patient).pk == baseline.pk
    assert Baseline.objects.filter(patient=patient).count() == 1


def test_there_is_no_baseline_until_7_checkins_fall_within_14_days(patient):
    start = patient.local_today() - timedelta(days=60)
    add_history(patient, {i * 3: GOOD for i in range(7)}, start=start)  # 7 check-ins over 19 days
    assert baseline_compute_initial(patient=patient) is None
    assert not Baseline.objects.filter(patient=patient).exists()


def test_the_evaluation_records_the_same_first_baseline_as_the_service(patient, other_patient):
    start = patient.local_today() - timedelta(days=30)
    for p in (patient, other_patient):
        add_history(p, {i: (GOOD if i % 3 else WORSE) for i in range(20)}, start=start)
    evaluate_patients([patient.pk])
    by_service = baseline_compute_initial(patient=other_patient)
    by_evaluation = Baseline.objects.get(patient=patient)
    assert by_evaluation.method == Baseline.Method.AUTOMATIC
    for field in ("fine_motor", "gait", "sensation", "bladder", "total", "source_from", "source_to", "source_count"):
        assert getattr(by_evaluation, field) == getattr(by_service, field), field


def test_rebaseline_takes_the_median_of_the_first_7_checkins_from_the_date_and_keeps_history(patient, clinician):
    start = patient.local_today() - timedelta(days=40)
    surgery = history(patient, [(20, GOOD)], start)
    history(patient, [(15, WORSE)], surgery)
    evaluate_patients([patient.pk])
    first = Baseline.objects.get(patient=patient)

    new = baseline_reset(patient=patient, from_date=surgery, user=clinician, reason="After surgery")

    assert new.method == Baseline.Method.REBASELINE
    assert new.total == 12
    assert (new.fine_motor, new.gait, new.sensation, new.bladder) == (3, 5, 1, 3)
    assert new.effective_from == surgery
    assert (new.source_from, new.source_to, new.source_count) == (surgery, surgery + timedelta(days=6), 7)
    assert new.set_by == clinician and new.reason == "After surgery"
    # History kept: the first baseline is still there, unchanged.
    first.refresh_from_db()
    assert first.total == 15
    assert list(Baseline.objects.filter(patient=patient).order_by("-effective_from")) == [new, first]


def test_rebaseline_without_enough_checkins_names_from_date_and_saves_nothing(patient, clinician):
    start = patient.local_today() - timedelta(days=10)
    history(patient, [(10, GOOD)], start)
    with pytest.raises(ValidationError) as err:
        baseline_reset(patient=patient, from_date=patient.local_today() - timedelta(days=3), user=clinician)
    assert "from_date" in err.value.message_dict
    assert "Not enough check-ins" in err.value.message_dict["from_date"][0]
    assert not Baseline.objects.filter(patient=patient, method=Baseline.Method.REBASELINE).exists()


def test_rebaseline_in_the_future_names_from_date(patient, clinician):
    with pytest.raises(ValidationError) as err:
        baseline_reset(patient=patient, from_date=patient.local_today() + timedelta(days=1), user=clinician)
    assert list(err.value.message_dict) == ["from_date"]


def test_rebaseline_closes_open_decline_alerts_and_rearms_the_rules(patient, clinician):
    start = patient.local_today() - timedelta(days=60)
    decline_start = history(patient, [(14, GOOD)], start)
    after_decline = history(patient, [(14, WORSE)], decline_start)
    evaluate_patients([patient.pk])
    alert = Alert.objects.get(patient=patient, rule="sustained_decline")
    assert alert.status == Alert.Status.OPEN

    baseline_reset(patient=patient, from_date=decline_start, user=clinician)

    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.outcome == Alert.Outcome.REBASELINED
    assert not Alert.objects.filter(patient=patient).exclude(status=Alert.Status.RESOLVED).exists()

    # Re-armed: a new decline below the new baseline (12) opens a new episode.
    history(patient, [(14, MUCH_WORSE)], after_decline)
    evaluate_patients([patient.pk])
    episodes = Alert.objects.filter(patient=patient, rule="sustained_decline").order_by("date")
    assert [a.status for a in episodes] == [Alert.Status.RESOLVED, Alert.Status.OPEN]
    assert "vs baseline 12 " in episodes[1].evidence


def test_a_baseline_set_by_hand_is_kept_with_who_and_why_and_judges_later_checkins(patient, clinician):
    start = patient.local_today() - timedelta(days=30)
    history(patient, [(30, GOOD)], start)
    evaluate_patients([patient.pk])
    assert not Alert.objects.filter(patient=patient, rule="sustained_decline").exists()

    # Clinic mJOA says 18: the patient's 15s are now 3 below it.
    baseline = baseline_set_manual(
        patient=patient,
        user=clinician,
        scores={"fine_motor": 5, "gait": 7, "sensation": 3, "bladder": 3},
        effective_from=start + timedelta(days=10),
        reason="Clinic mJOA",
    )

    assert baseline.method == Baseline.Method.MANUAL
    assert baseline.total == 18
    assert baseline.set_by == clinician and baseline.source_count == 0
    assert Alert.objects.filter(patient=patient, rule="sustained_decline", status=Alert.Status.OPEN).exists()


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({"fine_motor": 6, "gait": 7, "sensation": 3, "bladder": 3}, "fine_motor"),
        ({"fine_motor": 5, "gait": "x", "sensation": 3, "bladder": 3}, "gait"),
        ({"fine_motor": 5, "gait": 7, "bladder": 3}, "sensation"),
        ({"fine_motor": 5, "gait": 7, "sensation": 3, "bladder": 3, "neck": 1}, "neck"),
    ],
)
def test_a_bad_hand_set_score_names_the_domain_and_saves_nothing(patient, clinician, scores, field):
    with pytest.raises(ValidationError) as err:
        baseline_set_manual(patient=patient, user=clinician, scores=scores, effective_from=patient.local_today())
    assert field in err.value.message_dict
    assert not Baseline.objects.filter(patient=patient).exists()


def test_a_hand_set_baseline_cannot_start_in_the_future(patient, clinician):
    with pytest.raises(ValidationError) as err:
        baseline_set_manual(
            patient=patient,
            user=clinician,
            scores={"fine_motor": 5, "gait": 7, "sensation": 3, "bladder": 3},
            effective_from=patient.local_today() + timedelta(days=2),
        )
    assert list(err.value.message_dict) == ["effective_from"]


def test_a_new_baseline_cannot_start_before_the_current_one(patient, clinician):
    start = patient.local_today() - timedelta(days=30)
    history(patient, [(30, GOOD)], start)
    evaluate_patients([patient.pk])  # automatic baseline from `start`
    with pytest.raises(ValidationError) as err:
        baseline_reset(patient=patient, from_date=start - timedelta(days=1), user=clinician)
    assert "or later" in err.value.message_dict["from_date"][0]
    with pytest.raises(ValidationError) as err:
        baseline_set_manual(
            patient=patient,
            user=clinician,
            scores={"fine_motor": 5, "gait": 7, "sensation": 3, "bladder": 3},
            effective_from=start - timedelta(days=1),
        )
    assert "or later" in err.value.message_dict["effective_from"][0]
    # The same day as the current one is fine: the newer one wins.
    assert baseline_reset(patient=patient, from_date=start, user=clinician).method == Baseline.Method.REBASELINE

"""Celery tasks: the per-check-in evaluation and the nightly sweep, run in-process (eager)."""

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from detection.posterior import PROBABILITY_KEY
from detection.rules import CLOSED, OPENED, DayScore, RuleConfig, replay_patient
from detection.simulation import simulate_cohort
from notifications.models import Alert
from patients.models import Patient
from tests.conftest import add_history, make_patient
from tracker.models import CheckIn
from tracker.tasks import evaluate_patient_task, nightly_sweep_task, sweep_batch_task

GOOD = (4, 6, 2, 3)
FAIR = (3, 5, 2, 3)


def test_the_nightly_sweep_opens_missed_checkins_once(patient, other_patient):
    today = patient.local_today()
    add_history(patient, days=10, start=today - timedelta(days=14))  # last check-in 5 days ago
    add_history(other_patient, days=10, start=today - timedelta(days=9))  # checked in today

    nightly_sweep_task()
    nightly_sweep_task()
    sweep_batch_task([patient.pk, other_patient.pk])

    alert = Alert.objects.get(patient=patient)
    assert (alert.rule, alert.severity, alert.status) == ("missed_checkins", "low", "open")
    assert alert.evidence.startswith("No check-in for 4 days (last on")
    assert alert.date == today - timedelta(days=1)
    assert not Alert.objects.filter(patient=other_patient).exists()


def test_checking_in_again_closes_the_missed_checkins_alert(patient):
    today = patient.local_today()
    add_history(patient, days=10, start=today - timedelta(days=14))
    nightly_sweep_task()
    add_history(patient, {0: GOOD}, start=today)
    evaluate_patient_task(patient.pk)

    alert = Alert.objects.get(patient=patient, rule="missed_checkins")
    assert alert.status == Alert.Status.RESOLVED
    assert alert.outcome == Alert.Outcome.RECOVERED
    assert alert.resolution_note.startswith("Checked in again on")


def test_the_sweep_catches_up_an_evaluation_that_was_lost(patient):
    # Check-ins stored without any evaluation, as when the broker was down.
    add_history(patient, {i: GOOD if i < 14 else FAIR for i in range(24)}, start=patient.local_today() - timedelta(23))
    nightly_sweep_task()
    assert Alert.objects.filter(patient=patient, rule="sustained_decline", status="open").exists()
    patient.refresh_from_db()
    assert patient.evaluated_through == patient.local_today()


def test_the_sweep_fans_out_in_batches_that_cover_every_patient(team_a):
    patients = [make_patient(team_a, None, f"P{i}", "Sweep") for i in range(5)]
    for p in patients:
        add_history(p, days=8)

    assert nightly_sweep_task(batch_size=2) == 3

    assert all(p.evaluated_through is not None for p in Patient.objects.filter(pk__in=[p.pk for p in patients]))


def test_a_task_run_twice_creates_nothing_twice(patient):
    add_history(patient, {i: GOOD if i < 14 else FAIR for i in range(26)}, start=patient.local_today() - timedelta(40))
    evaluate_patient_task(patient.pk)
    sweep_batch_task([patient.pk])
    before = list(Alert.objects.filter(patient=patient).values_list("pk", "rule", "status").order_by("pk"))
    events_before = sum(a.events.count() for a in Alert.objects.filter(patient=patient))

    evaluate_patient_task(patient.pk)
    sweep_batch_task([patient.pk])
    nightly_sweep_task()

    assert list(Alert.objects.filter(patient=patient).values_list("pk", "rule", "status").order_by("pk")) == before
    assert {rule for _, rule, _ in before} >= {"sustained_decline", "missed_checkins"}
    assert sum(a.events.count() for a in Alert.objects.filter(patient=patient)) == events_before


def test_the_database_refuses_a_second_unresolved_alert_of_the_same_rule(patient):
    fields = {"patient": patient, "rule": "sustained_decline", "severity": "high", "date": patient.local_today()}
    Alert.objects.create(evidence="first", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(evidence="second", **fields)


def _simulated_histories(n: int, days: int):
    """Patients from the cohort simulator who decline (with missed days, bad days and red flags), and one stable."""
    picked, stable = [], None
    for rows, truth in simulate_cohort(60, days, seed=7):
        interesting = truth.decline_date is not None and len(rows) > days * 0.8
        if interesting and len(picked) < n - 1:
            picked.append(rows)
        elif not interesting and stable is None:
            stable = rows
        if len(picked) == n - 1 and stable is not None:
            break
    return [*picked, stable]


def test_evaluating_day_by_day_gives_the_same_alerts_and_state_as_a_full_replay(team_a):
    """Live (a task per check-in), the nightly sweep over the whole history and the replay agree.

    On the alerts, the detector state, and each decline alert's probability of a real decline.
    """
    histories = _simulated_histories(3, 150)
    # Shift the simulated dates to end yesterday, and keep the missed days.
    shift = (Patient(timezone="Europe/London").local_today() - timedelta(days=1)) - max(
        r.date for rows in histories for r in rows
    )
    patients = [make_patient(team_a, None, f"Sim{i}", "Patient") for i in range(len(histories))]
    # The same histories again, for patients evaluated only by one nightly sweep at the end.
    swept = [make_patient(team_a, None, f"Swept{i}", "Patient") for i in range(len(histories))]
    by_day: dict = {}
    for patient, rows in [*zip(patients, histories, strict=True), *zip(swept, histories, strict=True)]:
        for r in rows:
            c = CheckIn(patient=patient, date=r.date + shift, fine_motor=r.fine_motor, gait=r.gait)
            c.sensation, c.bladder, c.rf_weakness = r.sensation, r.bladder, bool(r.red_flag)
            c.compute_derived()
            by_day.setdefault(c.date, []).append(c)

    live_ids = {p.pk for p in patients}
    for day in sorted(by_day):
        CheckIn.objects.bulk_create(by_day[day])
        for c in by_day[day]:
            if c.patient_id in live_ids:
                evaluate_patient_task(c.patient_id)
    nightly_sweep_task()

    probabilities = []
    for patient, copy, rows in zip(patients, swept, histories, strict=True):
        days = [DayScore(r.date + shift, r.fine_motor, r.gait, r.sensation, r.bladder, bool(r.red_flag)) for r in rows]
        _, events = replay_patient(days, RuleConfig())
        replayed = {(e.rule, e.date): e.evidence_data.get(PROBABILITY_KEY) for e in events if e.kind == OPENED}
        for who in (patient, copy):
            stored = {(a.rule, a.date): a.probability_real for a in Alert.objects.filter(patient=who)}
            assert stored == replayed
        probabilities += [p for p in replayed.values() if p is not None]
    assert len(probabilities) >= 3 and all(0 < p < 1 for p in probabilities)

    for patient, rows in zip(patients, histories, strict=True):
        days = [DayScore(r.date + shift, r.fine_motor, r.gait, r.sensation, r.bladder, bool(r.red_flag)) for r in rows]
        det, events = replay_patient(days, RuleConfig())
        opened = sorted((e.rule, e.date, e.severity) for e in events if e.kind == OPENED)
        closed = sorted((e.rule, e.date) for e in events if e.kind == CLOSED)
        stored = Alert.objects.filter(patient=patient)
        assert sorted(stored.values_list("rule", "date", "severity")) == opened
        assert len(closed) == stored.filter(status=Alert.Status.RESOLVED).count()
        patient.refresh_from_db()
        assert patient.detector_state == json.loads(json.dumps(det.to_dict()))
        assert patient.evaluated_through == det.last_date
    assert Alert.objects.filter(patient__in=patients, rule__in=["sustained_decline", "drift", "rapid_decline"]).exists()

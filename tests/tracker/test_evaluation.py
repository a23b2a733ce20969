"""Evaluation of stored check-ins: when alerts open and close, and what they say."""

from datetime import timedelta

import pytest
from django.db import connection

from detection.rules import STATE_VERSION
from notifications.models import Alert
from tests.conftest import add_history
from tracker.evaluation import evaluate_patients
from tracker.models import CheckIn
from tracker.services import checkin_submit
from tracker.tasks import evaluate_patient_task

GOOD = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}  # total 15
FAIR = {"fine_motor": 3, "gait": 5, "sensation": 2, "bladder": 3}  # total 13: the MCID below
AWFUL = {"fine_motor": 1, "gait": 2, "sensation": 0, "bladder": 1}


def scores(answers):
    return tuple(answers[k] for k in ("fine_motor", "gait", "sensation", "bladder"))


def seed(patient, segments, *, end_days_ago=0):
    """Bulk history ending end_days_ago days before today: [(days, answers)]."""
    total = sum(days for days, _ in segments)
    start = patient.local_today() - timedelta(days=total + end_days_ago - 1)
    rows, offset = {}, 0
    for days, answers in segments:
        for _ in range(days):
            rows[offset] = scores(answers)
            offset += 1
    add_history(patient, rows, start=start)
    return start


def alerts(patient):
    return list(Alert.objects.filter(patient=patient).order_by("date", "rule"))


def test_no_alert_opens_before_a_baseline_except_for_red_flags(patient, django_capture_on_commit_callbacks):
    today = patient.local_today()
    for back in range(5, -1, -1):  # six dreadful days: fewer than the seven a baseline needs
        answers = dict(AWFUL, rf_weakness=(back == 2))
        with django_capture_on_commit_callbacks(execute=True):
            checkin_submit(patient=patient, answers=answers, date=today - timedelta(days=back))

    assert [(a.rule, a.severity) for a in alerts(patient)] == [("red_flag", "urgent")]
    patient.refresh_from_db()
    assert patient.evaluated_through == today  # evaluated, just nothing to say yet


def test_a_red_flag_opens_its_urgent_alert_inside_the_request_before_any_task(
    patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        checkin_submit(patient=patient, answers=dict(GOOD, rf_bladder_bowel=True))
    alert = Alert.objects.get(patient=patient)
    assert (alert.rule, alert.severity, alert.status) == ("red_flag", "urgent", "open")
    assert "bladder/bowel control" in alert.evidence
    assert len(queued) == 1  # the rest of the evaluation waits for the commit


def test_a_sustained_decline_opens_one_high_alert_with_the_evidence_in_words(
    patient, django_capture_on_commit_callbacks
):
    seed(patient, [(14, GOOD), (6, FAIR)], end_days_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        checkin_submit(patient=patient, answers=FAIR)  # the 7th day in a row 2 points down

    alert = Alert.objects.get(patient=patient, rule="sustained_decline")
    assert alert.severity == "high"
    assert alert.evidence == "Total 13 vs baseline 15 (-2) over the last 7 check-ins"
    assert alert.evidence_data["baseline"] == 15
    assert alert.evidence_data["values"][-1] == 13
    assert alert.date == patient.local_today()
    assert [a.rule for a in alerts(patient)] == ["sustained_decline"]


def test_one_bad_day_does_not_alert(patient):
    seed(patient, [(14, GOOD), (1, AWFUL), (6, GOOD)])
    evaluate_patients([patient.pk])
    assert alerts(patient) == []


def test_a_second_evaluation_opens_nothing_new(patient):
    # 16 check-ins at exactly the MCID below: enough for the drift CUSUM too.
    seed(patient, [(14, GOOD), (16, FAIR)])
    evaluate_patients([patient.pk])
    first = [(a.pk, a.rule, a.status) for a in alerts(patient)]
    assert {rule for _, rule, _ in first} == {"sustained_decline", "drift"}

    evaluate_patients([patient.pk])
    evaluate_patient_task(patient.pk)
    evaluate_patients([patient.pk], rebuild=True)  # the whole history replayed again

    assert [(a.pk, a.rule, a.status) for a in alerts(patient)] == first


def test_a_decline_closed_by_a_clinician_is_not_reopened_by_a_rebuild(patient, clinician):
    seed(patient, [(14, GOOD), (10, FAIR)])
    evaluate_patients([patient.pk])
    Alert.objects.filter(patient=patient).update(status=Alert.Status.RESOLVED, outcome=Alert.Outcome.VISIT_BOOKED)

    evaluate_patients([patient.pk], rebuild=True)
    evaluate_patients([patient.pk])

    assert Alert.objects.filter(patient=patient).exclude(status=Alert.Status.RESOLVED).count() == 0


def test_recovery_closes_the_alert_automatically_with_the_evidence(patient):
    start = seed(patient, [(14, GOOD), (10, FAIR)], end_days_ago=8)
    evaluate_patients([patient.pk])
    assert Alert.objects.get(patient=patient, rule="sustained_decline").status == Alert.Status.OPEN

    add_history(patient, {i: scores(GOOD) for i in range(8)}, start=start + timedelta(days=24))
    evaluate_patients([patient.pk])

    alert = Alert.objects.get(patient=patient, rule="sustained_decline")
    assert alert.status == Alert.Status.RESOLVED
    assert alert.outcome == Alert.Outcome.RECOVERED
    assert alert.resolution_note.startswith("Back within 2 points of baseline 15 on the last 7 check-ins")
    assert alert.events.filter(kind="auto_closed").count() == 1


def test_a_later_decline_after_recovery_opens_a_new_episode(patient):
    seed(patient, [(14, GOOD), (10, FAIR), (10, GOOD), (10, FAIR)])
    evaluate_patients([patient.pk])
    episodes = Alert.objects.filter(patient=patient, rule="sustained_decline").order_by("date")
    assert [a.status for a in episodes] == [Alert.Status.RESOLVED, Alert.Status.OPEN]


def test_a_care_team_override_of_a_threshold_changes_the_outcome(patient, team_b_patient):
    team_b = team_b_patient.care_team
    team_b.rule_overrides = {"mcid": 3}
    team_b.save()
    for p in (patient, team_b_patient):
        seed(p, [(14, GOOD), (12, FAIR)])

    evaluate_patients([patient.pk, team_b_patient.pk])

    assert Alert.objects.filter(patient=patient, rule="sustained_decline").exists()
    assert not Alert.objects.filter(patient=team_b_patient, rule="sustained_decline").exists()


def test_a_site_setting_applies_to_every_team(patient, settings):
    settings.MYELOTRACK_RULES = {"sustained_decline_severity": "urgent"}
    seed(patient, [(14, GOOD), (12, FAIR)])
    evaluate_patients([patient.pk])
    assert Alert.objects.get(patient=patient, rule="sustained_decline").severity == "urgent"


def test_a_broken_team_override_falls_back_to_the_site_thresholds(patient, caplog):
    patient.care_team.rule_overrides = {"mcid": "two"}
    patient.care_team.save()
    seed(patient, [(14, GOOD), (12, FAIR)])
    evaluate_patients([patient.pk])
    assert Alert.objects.filter(patient=patient, rule="sustained_decline").exists()
    assert "Invalid rule_overrides" in caplog.text


def test_a_resubmitted_day_is_evaluated_again_from_the_whole_history(patient, django_capture_on_commit_callbacks):
    seed(patient, [(14, GOOD), (6, FAIR)], end_days_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        checkin_submit(patient=patient, answers=GOOD)
    assert not Alert.objects.filter(patient=patient, rule="sustained_decline").exists()
    patient.refresh_from_db()
    assert patient.evaluated_through == patient.local_today()

    with django_capture_on_commit_callbacks(execute=True):
        checkin_submit(patient=patient, answers=FAIR)  # changed their mind about today

    assert Alert.objects.filter(patient=patient, rule="sustained_decline").count() == 1
    assert CheckIn.objects.filter(patient=patient).count() == 21


def test_a_checkin_still_saves_when_the_broker_is_down(patient, django_capture_on_commit_callbacks, caplog, settings):
    from config.celery import app

    # Publishing from the request, as on SQLite (on PostgreSQL the request does not touch the
    # broker at all: tests/tracker/test_evaluation_listener.py).
    settings.EVALUATION_NUDGE = "broker"

    saved = (app.conf.broker_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool)
    # A real broker that refuses connections (nothing listens on port 9).
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            checkin, created = checkin_submit(patient=patient, answers=dict(GOOD, rf_breathing=True))
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved[0], saved[1]
        app._pool, app.amqp._producer_pool = saved[2], saved[3]

    assert created and CheckIn.objects.filter(pk=checkin.pk).exists()
    assert Alert.objects.filter(patient=patient, rule="red_flag").exists()
    assert "the nightly sweep will catch up" in caplog.text
    patient.refresh_from_db()
    assert patient.evaluated_through is None  # left for the sweep


@pytest.mark.parametrize(("days", "queries"), [(6, 8), (7, 9)])
def test_a_batch_is_evaluated_with_a_fixed_number_of_queries(
    days, queries, patient, other_patient, team_b_patient, django_assert_num_queries
):
    for p in (patient, other_patient, team_b_patient):
        seed(p, [(days, GOOD)])
    # Savepoint, patients, baselines, unresolved alerts, (first baselines), the states (a temporary
    # table, its COPY, which is not counted, one update and the drop), release: the same for three
    # patients as for two hundred. The check-ins are one more, streamed past Django's cursor, so not
    # counted either. SQLite (the embedded default) saves the states in one bulk update instead of
    # the three statements and reads the check-ins through the ORM: one fewer in all.
    if connection.vendor != "postgresql":
        queries -= 1
    with django_assert_num_queries(queries):
        evaluate_patients([patient.pk, other_patient.pk, team_b_patient.pk])


def test_a_rebuild_does_not_send_a_stale_alert_for_an_episode_already_over(patient, django_capture_on_commit_callbacks):
    # A 5-day gap 20 days ago: the sweep opened missed_checkins, the next check-in closed it.
    start = seed(patient, [(20, GOOD)], end_days_ago=26)
    add_history(patient, {i: scores(GOOD) for i in range(25)}, start=start + timedelta(days=25))
    evaluate_patients([patient.pk])
    missed = Alert.objects.get(patient=patient, rule="missed_checkins")
    assert missed.status == Alert.Status.RESOLVED
    # The sweep that night had dated it a day later than a replay does.
    Alert.objects.filter(pk=missed.pk).update(date=missed.date + timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        checkin_submit(patient=patient, answers=GOOD, date=patient.local_today() - timedelta(days=4))  # an edit

    assert Alert.objects.filter(patient=patient, rule="missed_checkins").count() == 1


def test_a_state_saved_by_another_version_of_the_rules_is_rebuilt(patient, caplog):
    seed(patient, [(14, GOOD), (12, FAIR)])
    Patient = type(patient)
    Patient.objects.filter(pk=patient.pk).update(
        detector_state={"version": 99}, evaluated_through=patient.local_today() - timedelta(days=5)
    )
    evaluate_patients([patient.pk])
    assert Alert.objects.filter(patient=patient, rule="sustained_decline").exists()
    assert "Unreadable detector state" in caplog.text
    patient.refresh_from_db()
    assert patient.detector_state["version"] == STATE_VERSION


def test_a_state_saved_by_the_first_version_of_the_rules_is_rebuilt_to_what_a_fresh_evaluation_gives(patient, caplog):
    seed(patient, [(14, GOOD), (12, FAIR)])
    evaluate_patients([patient.pk])
    patient.refresh_from_db()
    fresh_state = patient.detector_state
    fresh_alerts = [(a.rule, a.date, a.status) for a in alerts(patient)]
    # What the version-1 code saved (its own day-to-day sums, no histogram).
    old = {**fresh_state, "version": 1, "sd_sum": 0.0, "sd_count": 25}
    del old["diffs"], old["sd"]
    type(patient).objects.filter(pk=patient.pk).update(detector_state=old)
    evaluate_patients([patient.pk])
    assert "Unreadable detector state" in caplog.text
    patient.refresh_from_db()
    assert patient.detector_state == fresh_state
    assert [(a.rule, a.date, a.status) for a in alerts(patient)] == fresh_alerts

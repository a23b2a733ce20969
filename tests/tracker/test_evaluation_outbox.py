"""The evaluation outbox: a check-in whose task was lost is evaluated by the every-minute task."""

from datetime import timedelta

import pytest

from notifications.models import Alert
from patients.models import Patient
from tests.conftest import add_history
from tracker.evaluation import evaluate_patients
from tracker.services import checkin_submit
from tracker.tasks import evaluate_pending_task

pytestmark = pytest.mark.django_db

GOOD = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}  # 15
FAIR = {"fine_motor": 3, "gait": 5, "sensation": 2, "bladder": 3}  # 13: the MCID below


def lost_messages(patient, answers, days, django_capture_on_commit_callbacks):
    """Submit check-ins for the last `days` days; the after-commit enqueues never run (the broker lost them)."""
    today = patient.local_today()
    with django_capture_on_commit_callbacks(execute=False) as dropped:
        for back in range(days - 1, -1, -1):
            checkin_submit(patient=patient, answers=answers, date=today - timedelta(days=back))
    assert dropped, "checkin_submit should queue an evaluation after commit"


def test_a_check_in_whose_task_was_lost_is_pending_in_the_database(patient, django_capture_on_commit_callbacks):
    lost_messages(patient, GOOD, 1, django_capture_on_commit_callbacks)
    pending = Patient.objects.get(pk=patient.pk)
    assert pending.checkins_received == 1 and pending.checkins_evaluated == 0


def test_the_every_minute_task_opens_the_decline_the_lost_tasks_would_have(patient, django_capture_on_commit_callbacks):
    add_history(patient, {i: (4, 6, 2, 3) for i in range(14)}, start=patient.local_today() - timedelta(days=24))
    evaluate_patients([patient.pk])
    lost_messages(patient, FAIR, 10, django_capture_on_commit_callbacks)
    assert not Alert.objects.filter(patient=patient, rule="sustained_decline").exists()

    assert evaluate_pending_task() == 1

    assert Alert.objects.filter(patient=patient, rule="sustained_decline").count() == 1
    patient.refresh_from_db()
    assert patient.checkins_evaluated == patient.checkins_received == 10
    assert patient.evaluated_through == patient.local_today()


def test_running_it_again_or_evaluating_twice_changes_nothing(patient, django_capture_on_commit_callbacks):
    add_history(patient, {i: (4, 6, 2, 3) for i in range(14)}, start=patient.local_today() - timedelta(days=24))
    lost_messages(patient, FAIR, 10, django_capture_on_commit_callbacks)
    evaluate_pending_task()
    alerts = list(Alert.objects.order_by("pk").values("pk", "rule", "status", "date", "evidence"))
    state = Patient.objects.get(pk=patient.pk).detector_state

    assert evaluate_pending_task() == 0
    evaluate_patients([patient.pk])

    assert list(Alert.objects.order_by("pk").values("pk", "rule", "status", "date", "evidence")) == alerts
    assert Patient.objects.get(pk=patient.pk).detector_state == state


def test_a_check_in_whose_task_ran_is_not_pending(patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        checkin_submit(patient=patient, answers=GOOD)  # its task runs eagerly after the commit
    assert evaluate_pending_task() == 0

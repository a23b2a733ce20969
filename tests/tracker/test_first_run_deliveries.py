"""Episodes that open and end in one evaluation (a first sweep's history) are recorded, never delivered."""

from datetime import timedelta

import pytest
from django.db.models import F

import notifications.services
from notifications.models import Alert, Delivery
from tests.conftest import add_history, emails_in, wait_for
from tests.tracker.test_sweep_bulk_writes import FAIR, GOOD, history, refuse_bulk_writes
from tracker.evaluation import evaluate_patients


def record_enqueued(monkeypatch):
    """The delivery ids handed to the broker after commit, instead of publishing them."""
    enqueued: list[int] = []
    monkeypatch.setattr(notifications.services, "enqueue_deliveries", lambda ids: enqueued.extend(ids) or len(ids))
    return enqueued


@pytest.mark.parametrize("path", ["bulk", "one_by_one"])
def test_an_episode_that_ends_in_the_same_evaluation_gets_no_deliveries_and_nothing_is_enqueued(
    path, patient, clinicians, monkeypatch, django_capture_on_commit_callbacks
):
    history(patient)
    enqueued = record_enqueued(monkeypatch)
    if path == "one_by_one":
        refuse_bulk_writes(monkeypatch)

    with django_capture_on_commit_callbacks(execute=True):
        result = evaluate_patients([patient.pk], tick=True)

    ended = Alert.objects.filter(patient=patient, status="resolved")
    still_open = Alert.objects.filter(patient=patient).exclude(status="resolved")
    # The history has both kinds, or this test would prove nothing.
    assert ended.count() >= 2 and still_open.count() >= 2
    assert result.opened == ended.count() + still_open.count() and result.closed == ended.count()
    # Ended episodes are still recorded, opened and closed automatically, with their outcome.
    for alert in ended:
        assert [e.kind for e in alert.events.order_by("at", "pk")] == ["opened", "auto_closed"]
        assert alert.outcome == "recovered"
    assert not Delivery.objects.filter(alert__in=ended).exists()
    # Every episode still open gets its deliveries: in-app to each of the two clinicians at least.
    for alert in still_open:
        in_app = Delivery.objects.filter(alert=alert, channel="in_app")
        assert sorted(in_app.values_list("recipient_id", flat=True)) == sorted(c.pk for c in clinicians)
    # Enqueued after commit: exactly the open episodes' deliveries due now (quiet hours hold the rest).
    due_now = Delivery.objects.filter(alert__in=still_open, next_attempt_at__lte=F("created_at"))
    held = Delivery.objects.filter(alert__in=still_open, next_attempt_at__gt=F("created_at"))
    assert sorted(enqueued) == sorted(due_now.values_list("pk", flat=True))
    assert held.exists()


def test_an_alert_opened_by_a_new_day_is_delivered_at_once_and_keeps_its_deliveries_when_a_later_day_closes_it(
    patient, clinicians, monkeypatch, django_capture_on_commit_callbacks
):
    start = patient.local_today() - timedelta(days=40)
    add_history(patient, {i: GOOD if i < 14 else FAIR for i in range(20)}, start=start)
    evaluate_patients([patient.pk])
    assert not Alert.objects.filter(patient=patient).exists()
    enqueued = record_enqueued(monkeypatch)

    # One new day, evaluated from the saved state as a check-in's task does: the decline opens.
    add_history(patient, {20: FAIR}, start=start)
    with django_capture_on_commit_callbacks(execute=True):
        result = evaluate_patients([patient.pk])
    assert result.rebuilt == 0 and result.opened == 1
    alert = Alert.objects.get(patient=patient, rule="sustained_decline")
    deliveries = sorted(Delivery.objects.filter(alert=alert).values_list("pk", "channel", "recipient_id"))
    assert {channel for _, channel, _ in deliveries} >= {"in_app", "email"}
    assert enqueued  # sent at once, not left for the sweep
    assert set(enqueued) <= {pk for pk, _, _ in deliveries}

    # Later days recover, one evaluation each: the alert closes and its deliveries stay as they were.
    for day in range(21, 35):
        add_history(patient, {day: GOOD}, start=start)
        evaluate_patients([patient.pk])
        alert.refresh_from_db()
        if alert.status == "resolved":
            break
    assert alert.status == "resolved" and alert.outcome == "recovered"
    assert sorted(Delivery.objects.filter(alert=alert).values_list("pk", "channel", "recipient_id")) == deliveries


@pytest.fixture
def celery_worker_extra_env(mail_dir):
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }


@pytest.mark.worker
def test_a_first_sweep_through_a_real_worker_sends_the_open_episodes_once_and_nothing_for_the_ended_ones(
    celery_worker_process, mail_dir, tmp_path, patient, clinician
):
    # One clinician with the default preferences (in-app, email from high): nothing held, no webhook.
    history(patient)

    evaluate_patients([patient.pk], tick=True)  # commits; the deliveries go to the worker's queue

    ended = Alert.objects.filter(patient=patient, status="resolved")
    still_open = Alert.objects.filter(patient=patient).exclude(status="resolved")
    assert ended.exists() and still_open.count() >= 2
    deliveries = Delivery.objects.filter(alert__patient=patient)
    wait_for(lambda: set(deliveries.values_list("status", flat=True)) == {"sent"}, timeout=30)
    assert not deliveries.filter(alert__in=ended).exists()
    assert set(deliveries.values_list("alert_id", flat=True)) == set(still_open.values_list("pk", flat=True))
    assert set(deliveries.values_list("attempts", flat=True)) == {1}
    emailed = deliveries.filter(channel="email")
    assert emailed.exists()
    assert len(emails_in(mail_dir)) == emailed.count()
    # No deliver_task for the ended episodes, not even one that skips its row.
    assert "'skipped'" not in (tmp_path / "worker.log").read_text()

"""A real Celery worker process sends alerts: email lands once, the webhook is signed and retried."""

import time
from datetime import date

import pytest

from notifications.models import Delivery, NotificationPreference, Severity
from notifications.services import alert_open
from notifications.tasks import deliver_task, redeliver_pending_task
from tests.conftest import emails_in, wait_for
from tests.notifications.stand_ins import WebhookReceiver, signature_is_valid

pytestmark = pytest.mark.worker
SECRET = "worker-test-secret"


@pytest.fixture
def celery_worker_extra_env(mail_dir):
    # The worker is another process: file-based email it writes, we read.
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
    }


def all_done(alert):
    rows = list(Delivery.objects.filter(alert=alert).values_list("status", flat=True))
    return rows and all(s in ("sent", "failed", "skipped") for s in rows)


def open_urgent(patient):
    alert, created = alert_open(
        patient=patient, rule="red_flag", severity=Severity.URGENT, date=date(2026, 11, 20), evidence="Red flag"
    )
    assert created
    return alert


def test_an_alert_email_lands_exactly_once_and_the_webhook_is_signed(
    celery_worker_process, mail_dir, tmp_path, clinician, patient
):
    with WebhookReceiver() as hook:
        NotificationPreference.objects.create(user=clinician, webhook_url=hook.url, webhook_secret=SECRET)
        started = time.monotonic()
        alert = open_urgent(patient)  # commits; on_commit publishes to the worker's queue
        wait_for(lambda: all_done(alert), timeout=30)
        print(f"alert made -> in-app, email and webhook sent by the worker: {time.monotonic() - started:.2f} s")
        # A sweep and a duplicate message afterwards change nothing.
        assert redeliver_pending_task() == 0
        deliver_task.delay(Delivery.objects.get(alert=alert, channel="email").pk)
        worker_log = tmp_path / "worker.log"
        wait_for(lambda: "'not-due-or-taken'" in worker_log.read_text(), timeout=15)
        (message,) = emails_in(mail_dir)
        assert message["To"] == "nurse.a@example.org"
        assert message["Subject"] == "[MyeloTrack] Urgent alert"
        (request,) = hook.received
        assert signature_is_valid(SECRET, request.headers, request.body)
        assert request.json["alert"]["id"] == alert.pk
    assert sorted(Delivery.objects.filter(alert=alert).values_list("channel", "status", "attempts")) == [
        ("email", "sent", 1),
        ("in_app", "sent", 1),
        ("webhook", "sent", 1),
    ]


def test_a_webhook_answering_500_then_200_is_retried_and_delivered_once(celery_worker_process, clinician, patient):
    with WebhookReceiver(statuses=[500, 200]) as hook:
        NotificationPreference.objects.create(
            user=clinician, webhook_url=hook.url, webhook_secret=SECRET, email_enabled=False
        )
        started = time.monotonic()
        alert = open_urgent(patient)
        wait_for(lambda: all_done(alert), timeout=30)
        print(f"webhook 500 then 200 (1 s backoff) delivered after {time.monotonic() - started:.2f} s")
        webhook = Delivery.objects.get(alert=alert, channel="webhook")
        assert (webhook.status, webhook.attempts) == ("sent", 2)
        assert len(hook.received) == 2
        assert all(signature_is_valid(SECRET, r.headers, r.body) for r in hook.received)
        # The two attempts carry the same delivery id so a receiver can de-duplicate.
        assert {r.headers["X-MyeloTrack-Delivery"] for r in hook.received} == {str(webhook.pk)}

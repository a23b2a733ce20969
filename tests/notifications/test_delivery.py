"""Deliveries: who gets what, sending once, retries with backoff, quiet hours (tasks run in-process)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from notifications import tasks
from notifications.models import Alert, Delivery, NotificationPreference, Severity
from notifications.services import alert_open, alert_resolve
from notifications.tasks import deliver_task, redeliver_pending_task
from tests.notifications.stand_ins import WebhookReceiver, signature_is_valid

SECRET = "s3cret-for-tests"


def open_alert(patient, severity=Severity.URGENT, rule="red_flag", now=None):
    alert, _ = alert_open(
        patient=patient,
        rule=rule,
        severity=severity,
        date=date(2026, 11, 20),
        evidence="Red flag on 20 Nov: sudden weakness",
        evidence_data={"total": 11},
        now=now,
    )
    return alert


def statuses(alert):
    return sorted(Delivery.objects.filter(alert=alert).values_list("channel", "status"))


def test_an_urgent_alert_reaches_the_team_by_email_once_after_commit(
    django_capture_on_commit_callbacks, outbox, clinician, patient, other_clinician
):
    with django_capture_on_commit_callbacks(execute=True):
        alert = open_alert(patient)
    assert [m.to for m in outbox] == [["nurse.a@example.org"]]
    assert statuses(alert) == [("email", "sent"), ("in_app", "sent")]


def test_the_email_is_short_with_no_scores_names_or_evidence(
    django_capture_on_commit_callbacks, outbox, clinician, patient
):
    with django_capture_on_commit_callbacks(execute=True):
        alert = open_alert(patient)
    (message,) = outbox
    assert message.subject == "[MyeloTrack] Urgent alert"
    assert not any(ch.isdigit() for ch in message.subject)
    for private in ("Ada", "Lovelace", "weakness", "11"):
        assert private not in message.subject
        assert private not in message.body
    assert f"/alerts/{alert.pk}/" in message.body
    assert "Severity: Urgent" in message.body and "Rule: red flag" in message.body


def test_a_moderate_alert_is_not_emailed_by_default(django_capture_on_commit_callbacks, outbox, clinician, patient):
    with django_capture_on_commit_callbacks(execute=True):
        alert = open_alert(patient, severity=Severity.MODERATE, rule="slow_drift")
    assert outbox == []
    assert statuses(alert) == [("in_app", "sent")]


def test_a_clinician_can_turn_email_off(django_capture_on_commit_callbacks, outbox, clinician, patient):
    NotificationPreference.objects.create(user=clinician, email_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        open_alert(patient)
    assert outbox == []


def test_the_webhook_is_a_signed_json_post(django_capture_on_commit_callbacks, clinician, patient):
    with WebhookReceiver() as hook:
        NotificationPreference.objects.create(user=clinician, webhook_url=hook.url, webhook_secret=SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            alert = open_alert(patient)
    (request,) = hook.received
    assert signature_is_valid(SECRET, request.headers, request.body)
    assert not signature_is_valid("wrong-secret", request.headers, request.body)
    assert request.json["alert"]["id"] == alert.pk and request.json["alert"]["severity"] == "urgent"
    assert "Ada" not in request.body.decode()
    assert ("webhook", "sent") in statuses(alert)


def test_webhook_500_then_200_is_retried_with_backoff_and_delivered_once(
    django_capture_on_commit_callbacks, clinician, patient
):
    with WebhookReceiver(statuses=[500, 200]) as hook:
        NotificationPreference.objects.create(user=clinician, webhook_url=hook.url, webhook_secret=SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            alert = open_alert(patient)
        delivery = Delivery.objects.get(alert=alert, channel="webhook")
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert "HTTP 500" in delivery.last_error
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        assert tasks.RETRY_BASE_SECONDS - 5 < wait <= tasks.RETRY_BASE_SECONDS
        # Not due yet: a redelivery sweep now sends nothing.
        assert redeliver_pending_task() == 0
        later = timezone.now() + timedelta(seconds=tasks.RETRY_BASE_SECONDS + 1)
        assert redeliver_pending_task(now=later) == 1  # eager: deliver_task ran with the real clock: not due
        assert deliver_task(delivery.pk, now=later) == "sent"
        assert deliver_task(delivery.pk, now=later + timedelta(hours=1)) == "not-due-or-taken"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(hook.received) == 2
    assert all(signature_is_valid(SECRET, r.headers, r.body) for r in hook.received)


def test_backoff_doubles_and_is_capped():
    base = tasks.RETRY_BASE_SECONDS
    assert [tasks.backoff_seconds(n) for n in (1, 2, 3)] == [base, 2 * base, 4 * base]
    assert tasks.backoff_seconds(30) == tasks.RETRY_MAX_SECONDS


def test_a_410_from_the_webhook_fails_permanently_without_retry(django_capture_on_commit_callbacks, clinician, patient):
    with WebhookReceiver(statuses=[410]) as hook:
        NotificationPreference.objects.create(user=clinician, webhook_url=hook.url, webhook_secret=SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            alert = open_alert(patient)
        redeliver_pending_task(now=timezone.now() + timedelta(days=1))
    delivery = Delivery.objects.get(alert=alert, channel="webhook")
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert len(hook.received) == 1


def test_an_unreachable_webhook_gives_up_after_max_attempts(clinician, patient):
    NotificationPreference.objects.create(user=clinician, webhook_url="http://127.0.0.1:9/hook", webhook_secret=SECRET)
    alert = open_alert(patient)
    delivery = Delivery.objects.get(alert=alert, channel="webhook")
    now = timezone.now()
    results = []
    for _ in range(tasks.MAX_ATTEMPTS):
        now += timedelta(seconds=tasks.RETRY_MAX_SECONDS + 1)
        results.append(deliver_task(delivery.pk, now=now))
    assert results == ["retry"] * (tasks.MAX_ATTEMPTS - 1) + ["failed"]
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "unreachable" in delivery.last_error


def test_a_task_run_twice_sends_nothing_twice(outbox, clinician, patient):
    alert = open_alert(patient)  # on_commit callbacks not run: rows are pending
    email = Delivery.objects.get(alert=alert, channel="email")
    assert deliver_task(email.pk) == "sent"
    assert deliver_task(email.pk) == "not-due-or-taken"
    assert redeliver_pending_task() == 1  # only the in-app row was still pending
    assert redeliver_pending_task() == 0
    assert len(outbox) == 1


def test_a_delivery_stuck_in_sending_is_picked_up_after_the_lease(outbox, clinician, patient):
    alert = open_alert(patient)
    email = Delivery.objects.get(alert=alert, channel="email")
    # A worker claimed it (lease for another minute) and died before sending.
    lease_end = timezone.now() + timedelta(seconds=60)
    Delivery.objects.filter(pk=email.pk).update(status="sending", attempts=1, next_attempt_at=lease_end)
    assert redeliver_pending_task() == 1  # the in-app row only: the lease still holds
    assert outbox == []
    # The lease runs out.
    Delivery.objects.filter(pk=email.pk).update(next_attempt_at=lease_end - timedelta(minutes=5))
    assert redeliver_pending_task() == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    assert len(outbox) == 1


def test_a_delivery_of_an_alert_resolved_meanwhile_is_skipped(outbox, clinician, patient):
    alert = open_alert(patient)
    alert_resolve(alert=alert, user=clinician, outcome=Alert.Outcome.FALSE_ALARM)
    redeliver_pending_task()
    assert outbox == []
    assert set(Delivery.objects.filter(alert=alert).values_list("status", flat=True)) == {"skipped"}


@pytest.fixture
def quiet_nurse(clinician):
    return NotificationPreference.objects.create(
        user=clinician, quiet_start=time(22, 0), quiet_end=time(7, 0), timezone="Europe/London"
    )


NIGHT = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 23:30 in London (GMT in November)


def test_quiet_hours_hold_a_high_alert_email_until_morning(outbox, quiet_nurse, patient):
    alert = open_alert(patient, severity=Severity.HIGH, rule="sustained_decline", now=NIGHT)
    email = Delivery.objects.get(alert=alert, channel="email")
    assert email.next_attempt_at == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    in_app = Delivery.objects.get(alert=alert, channel="in_app")
    assert in_app.next_attempt_at == NIGHT
    redeliver_pending_task(now=datetime(2026, 11, 25, 6, 59, tzinfo=UTC))
    assert deliver_task(email.pk, now=datetime(2026, 11, 25, 6, 59, tzinfo=UTC)) == "not-due-or-taken"
    assert deliver_task(email.pk, now=datetime(2026, 11, 25, 7, 0, tzinfo=UTC)) == "sent"
    assert len(outbox) == 1


def test_urgent_alerts_ignore_quiet_hours(quiet_nurse, patient):
    alert = open_alert(patient, severity=Severity.URGENT, now=NIGHT)
    assert Delivery.objects.get(alert=alert, channel="email").next_attempt_at == NIGHT


def test_quiet_hours_within_one_day(clinician, patient):
    NotificationPreference.objects.create(
        user=clinician, quiet_start=time(12, 0), quiet_end=time(14, 0), timezone="Europe/London"
    )
    noon = datetime(2026, 11, 24, 12, 30, tzinfo=UTC)
    alert = open_alert(patient, severity=Severity.HIGH, rule="sustained_decline", now=noon)
    held = Delivery.objects.get(alert=alert, channel="email").next_attempt_at
    assert held == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)

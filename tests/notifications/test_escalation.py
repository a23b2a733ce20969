"""Escalation of unacknowledged alerts, with a controlled clock (now= passed in)."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from notifications.models import Alert, AlertEvent, Delivery, NotificationPreference, Severity
from notifications.services import alert_acknowledge, alert_open
from notifications.tasks import escalate_overdue_task, redeliver_pending_task
from patients.models import CareTeamMembership, User
from tests.conftest import make_user
from tests.notifications.stand_ins import WebhookReceiver, signature_is_valid

T0 = timezone.now().replace(microsecond=0) - timedelta(days=3)


def open_at(patient, severity, rule="red_flag", at=T0):
    alert, _ = alert_open(patient=patient, rule=rule, severity=severity, date=date(2026, 11, 20), evidence="e", now=at)
    return alert


@pytest.fixture
def doctor(team_a):
    user = make_user("doctor.a", User.Role.CLINICIAN, email="doctor.a@example.org")
    CareTeamMembership.objects.create(team=team_a, user=user, team_role="physician")
    # Quiet hours almost all day: an escalation ignores them.
    NotificationPreference.objects.create(user=user, quiet_start=time(0, 0), quiet_end=time(23, 59), timezone="UTC")
    return user


@pytest.fixture
def contact(team_a):
    team_a.escalation_contact_email = "oncall@clinic-a.example.org"
    team_a.save()
    return team_a


def test_an_urgent_alert_escalates_after_30_minutes_not_before(patient, clinician, doctor, contact):
    alert = open_at(patient, Severity.URGENT)
    assert escalate_overdue_task(now=T0 + timedelta(minutes=29, seconds=59)) == 0
    assert escalate_overdue_task(now=T0 + timedelta(minutes=30)) == 1
    alert.refresh_from_db()
    assert alert.escalation_level == 1 and alert.escalated_at == T0 + timedelta(minutes=30)
    event = alert.events.get(kind=AlertEvent.Kind.ESCALATED)
    assert event.at == T0 + timedelta(minutes=30) and "30 min" in event.detail
    level1 = set(Delivery.objects.filter(alert=alert, escalation_level=1).values_list("recipient__username", "address"))
    assert level1 == {
        ("nurse.a", ""),
        ("nurse.a", "nurse.a@example.org"),
        ("doctor.a", ""),
        ("doctor.a", "doctor.a@example.org"),
        (None, "oncall@clinic-a.example.org"),
    }


def test_escalation_happens_once(patient, clinician, contact):
    alert = open_at(patient, Severity.URGENT)
    later = T0 + timedelta(minutes=31)
    assert escalate_overdue_task(now=later) == 1
    assert escalate_overdue_task(now=later + timedelta(hours=5)) == 0
    assert alert.events.filter(kind="escalated").count() == 1
    assert Delivery.objects.filter(alert=alert, escalation_level=1).count() == 3


def test_an_acknowledged_alert_does_not_escalate(patient, clinician, contact):
    alert = open_at(patient, Severity.URGENT)
    alert_acknowledge(alert=alert, user=clinician, now=T0 + timedelta(minutes=10))
    assert escalate_overdue_task(now=T0 + timedelta(hours=2)) == 0
    alert.refresh_from_db()
    assert alert.escalation_level == 0 and alert.escalated_at is None


def test_the_team_sets_the_urgent_escalation_time(patient, clinician, team_a):
    team_a.urgent_escalation_minutes = 10
    team_a.save()
    open_at(patient, Severity.URGENT)
    assert escalate_overdue_task(now=T0 + timedelta(minutes=9)) == 0
    assert escalate_overdue_task(now=T0 + timedelta(minutes=10)) == 1


def test_a_high_alert_escalates_after_24_hours(patient, clinician):
    alert = open_at(patient, Severity.HIGH, rule="sustained_decline")
    assert escalate_overdue_task(now=T0 + timedelta(hours=23, minutes=59)) == 0
    assert escalate_overdue_task(now=T0 + timedelta(hours=24)) == 1
    alert.refresh_from_db()
    assert alert.escalation_level == 1


def test_moderate_and_low_alerts_never_escalate(patient, clinician):
    open_at(patient, Severity.MODERATE, rule="slow_drift")
    open_at(patient, Severity.LOW, rule="missed_checkins")
    assert escalate_overdue_task(now=T0 + timedelta(days=30)) == 0


def test_other_teams_alerts_escalate_to_their_own_team_only(patient, team_b_patient, clinician, other_clinician):
    theirs = open_at(team_b_patient, Severity.URGENT)
    escalate_overdue_task(now=T0 + timedelta(hours=1))
    users = set(Delivery.objects.filter(alert=theirs, escalation_level=1).values_list("recipient__username", flat=True))
    assert users == {"nurse.b"}


def test_escalation_emails_and_signed_webhook_reach_the_contact(
    django_capture_on_commit_callbacks, outbox, patient, clinician, doctor, contact
):
    with WebhookReceiver() as hook:
        contact.escalation_contact_webhook = hook.url
        contact.escalation_webhook_secret = "team-secret"
        contact.save()
        alert = open_at(patient, Severity.URGENT)
        outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            escalate_overdue_task(now=T0 + timedelta(minutes=31))
    assert sorted(m.to[0] for m in outbox) == [
        "doctor.a@example.org",
        "nurse.a@example.org",
        "oncall@clinic-a.example.org",
    ]
    assert all("(escalated)" in m.subject for m in outbox)
    (request,) = hook.received
    assert signature_is_valid("team-secret", request.headers, request.body)
    assert request.json["event"] == "alert.escalated" and request.json["alert"]["id"] == alert.pk


def test_escalation_messages_not_yet_sent_are_dropped_once_acknowledged(outbox, patient, clinician, contact):
    alert = open_at(patient, Severity.URGENT)
    escalate_overdue_task(now=T0 + timedelta(minutes=31))  # rows written, on_commit not run: not sent yet
    alert_acknowledge(alert=alert, user=clinician)
    redeliver_pending_task()
    escalated = Delivery.objects.filter(alert=alert, escalation_level=1)
    assert set(escalated.values_list("status", flat=True)) == {"skipped"}
    assert [m.to for m in outbox] == [["nurse.a@example.org"]]  # the original alert email only
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.ACKNOWLEDGED


def test_the_sweep_costs_one_query_when_nothing_is_due(team_a, clinician):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import make_patient

    for i in range(6):
        open_at(make_patient(team_a, None, f"P{i}", "Test"), Severity.URGENT)
    with CaptureQueriesContext(connection) as queries:
        assert escalate_overdue_task(now=T0 + timedelta(minutes=5)) == 0
    assert len(queries.captured_queries) == 1


def test_the_database_refuses_a_second_contact_delivery_for_the_same_step(patient, contact):
    from django.db import IntegrityError, transaction

    alert = open_at(patient, Severity.URGENT)
    row = {"alert": alert, "address": "oncall@clinic-a.example.org", "channel": "email", "escalation_level": 1}
    Delivery.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(**row)

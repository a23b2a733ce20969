"""Lifecycle services: open, acknowledge, assign, resolve, close automatically."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Alert, AlertEvent, Delivery, Severity
from notifications.services import (
    alert_acknowledge,
    alert_assign,
    alert_close_automatically,
    alert_open,
    alert_resolve,
)
from patients.models import CareTeamMembership, User
from tests.conftest import make_user


def open_alert(patient, rule="sustained_decline", severity=Severity.HIGH, **kw):
    alert, created = alert_open(
        patient=patient, rule=rule, severity=severity, date=date(2026, 11, 20), evidence="Gait 2 below baseline", **kw
    )
    return alert


def kinds(alert):
    return list(alert.events.values_list("kind", flat=True))


def test_opening_twice_returns_the_unresolved_episode(patient, clinician):
    first, created = alert_open(patient=patient, rule="r", severity="high", date=date(2026, 1, 1), evidence="e")
    second, created_again = alert_open(patient=patient, rule="r", severity="high", date=date(2026, 1, 2), evidence="e")
    assert created and not created_again
    assert first.pk == second.pk
    assert Alert.objects.count() == 1
    assert kinds(first) == [AlertEvent.Kind.OPENED]


def test_acknowledge_records_who_and_when_and_is_idempotent(patient, clinician):
    alert = open_alert(patient)
    acked = alert_acknowledge(alert=alert, user=clinician)
    assert acked.status == Alert.Status.ACKNOWLEDGED
    assert acked.acknowledged_by == clinician and acked.acknowledged_at is not None
    again = alert_acknowledge(alert=alert, user=clinician)
    assert again.acknowledged_at == acked.acknowledged_at
    assert kinds(alert) == ["opened", "acknowledged"]
    event = alert.events.get(kind="acknowledged")
    assert event.actor == clinician


def test_acknowledging_a_resolved_alert_is_refused(patient, clinician):
    alert = open_alert(patient)
    alert_resolve(alert=alert, user=clinician, outcome=Alert.Outcome.FALSE_ALARM)
    with pytest.raises(ValidationError) as exc:
        alert_acknowledge(alert=alert, user=clinician)
    assert "status" in exc.value.message_dict


def test_resolve_stores_outcome_and_note_and_records_the_event(patient, clinician):
    alert = open_alert(patient)
    resolved = alert_resolve(alert=alert, user=clinician, outcome="visit_booked", note="Seen Friday")
    resolved.refresh_from_db()
    assert resolved.status == Alert.Status.RESOLVED
    assert resolved.outcome == "visit_booked" and resolved.resolution_note == "Seen Friday"
    assert resolved.resolved_by == clinician and resolved.resolved_at is not None
    # Resolving without acknowledging counts as acknowledged (stops escalation).
    assert resolved.acknowledged_by == clinician
    event = alert.events.get(kind="resolved")
    assert event.actor == clinician and "Seen Friday" in event.detail


def test_resolve_rejects_an_unknown_outcome_naming_the_field(patient, clinician):
    alert = open_alert(patient)
    with pytest.raises(ValidationError) as exc:
        alert_resolve(alert=alert, user=clinician, outcome="magic")
    assert "outcome" in exc.value.message_dict
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    assert kinds(alert) == ["opened"]


def test_resolving_twice_is_refused(patient, clinician):
    alert = open_alert(patient)
    alert_resolve(alert=alert, user=clinician, outcome="called_patient")
    with pytest.raises(ValidationError):
        alert_resolve(alert=alert, user=clinician, outcome="called_patient")
    assert alert.events.filter(kind="resolved").count() == 1


def test_a_new_episode_can_open_after_resolution(patient, clinician):
    alert = open_alert(patient)
    alert_resolve(alert=alert, user=clinician, outcome="called_patient")
    again = open_alert(patient)
    assert again.pk != alert.pk


def test_assign_to_a_clinician_of_the_team(patient, clinician, team_a):
    doctor = make_user("doctor.a", User.Role.CLINICIAN, email="doctor.a@example.org")
    CareTeamMembership.objects.create(team=team_a, user=doctor, team_role="physician")
    alert = open_alert(patient)
    assigned = alert_assign(alert=alert, user=clinician, assignee=doctor)
    assert assigned.assigned_to == doctor
    event = alert.events.get(kind="assigned")
    assert event.actor == clinician and "Doctor.A" in event.detail


def test_assign_to_another_teams_clinician_is_refused(patient, clinician, other_clinician):
    alert = open_alert(patient)
    with pytest.raises(ValidationError) as exc:
        alert_assign(alert=alert, user=clinician, assignee=other_clinician)
    assert "assignee" in exc.value.message_dict
    alert.refresh_from_db()
    assert alert.assigned_to is None


def test_close_automatically_only_closes_unresolved(patient, clinician):
    alert = open_alert(patient)
    assert alert_close_automatically(alert=alert, outcome=Alert.Outcome.RECOVERED, detail="back to baseline")
    assert not alert_close_automatically(alert=alert, outcome=Alert.Outcome.RECOVERED, detail="again")
    assert kinds(alert) == ["opened", "auto_closed"]


def test_opening_writes_deliveries_in_the_same_transaction(patient, clinician, other_clinician):
    alert = open_alert(patient, severity=Severity.URGENT)
    rows = set(Delivery.objects.filter(alert=alert).values_list("recipient__username", "channel"))
    # Team A's nurse: in-app always, email for high and above by default; nobody from team B.
    assert rows == {("nurse.a", "in_app"), ("nurse.a", "email")}

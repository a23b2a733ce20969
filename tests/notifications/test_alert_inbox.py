"""The care team's alert inbox, alert page and one-tap actions over HTTP."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Alert, AlertEvent, Severity
from notifications.services import alert_open
from tests.conftest import login, make_patient


def make_alert(patient, rule="sustained_decline", severity=Severity.HIGH, age_minutes=0, evidence=None):
    alert, _ = alert_open(
        patient=patient,
        rule=rule,
        severity=severity,
        date=date(2026, 11, 20),
        evidence=evidence or f"{rule} for {patient.first_name}",
        now=timezone.now() - timedelta(minutes=age_minutes),
    )
    return alert


def test_inbox_orders_by_severity_then_age(clinician_client, patient, other_patient):
    old_high = make_alert(patient, rule="a", severity=Severity.HIGH, age_minutes=120)
    new_urgent = make_alert(other_patient, rule="red_flag", severity=Severity.URGENT, age_minutes=5)
    old_urgent = make_alert(patient, rule="red_flag", severity=Severity.URGENT, age_minutes=60)
    low = make_alert(patient, rule="missed_checkins", severity=Severity.LOW, age_minutes=600)
    response = clinician_client.get(reverse("alert_inbox"))
    assert response.status_code == 200
    assert [a.pk for a in response.context["alerts"]] == [old_urgent.pk, new_urgent.pk, old_high.pk, low.pk]
    html = response.content.decode()
    assert html.index(f'id="alert-{old_urgent.pk}"') < html.index(f'id="alert-{low.pk}"')


def test_inbox_shows_evidence_and_links_to_the_patient_page(clinician_client, patient):
    make_alert(patient, evidence="Walking 2 points below baseline for 5 check-ins")
    html = clinician_client.get(reverse("alert_inbox")).content.decode()
    assert "Walking 2 points below baseline for 5 check-ins" in html
    assert f'href="{reverse("patient_detail", args=[patient.pk])}"' in html


def test_inbox_hides_resolved_alerts_unless_asked(clinician_client, clinician, patient):
    alert = make_alert(patient)
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.RESOLVED, outcome="false_alarm")
    assert list(clinician_client.get(reverse("alert_inbox")).context["alerts"]) == []
    resolved = clinician_client.get(reverse("alert_inbox"), {"status": "resolved"}).context["alerts"]
    assert [a.pk for a in resolved] == [alert.pk]


def test_inbox_query_count_does_not_grow_with_alerts(clinician_client, team_a):
    patients = [make_patient(team_a, None, f"P{i}", "Test") for i in range(3)]
    for p in patients:
        make_alert(p)
    with CaptureQueriesContext(connection) as few:
        clinician_client.get(reverse("alert_inbox"))
    more = [make_patient(team_a, None, f"Q{i}", "Test") for i in range(12)]
    for p in more:
        make_alert(p)
    with CaptureQueriesContext(connection) as many:
        response = clinician_client.get(reverse("alert_inbox"))
    assert len(response.context["alerts"]) == 15
    assert len(many.captured_queries) == len(few.captured_queries)


def test_inbox_does_not_show_another_teams_alerts(client, other_clinician, patient, team_b_patient):
    make_alert(patient)
    theirs = make_alert(team_b_patient)
    response = login(client, other_clinician).get(reverse("alert_inbox"))
    assert [a.pk for a in response.context["alerts"]] == [theirs.pk]


def test_nav_badge_counts_open_alerts(clinician_client, patient, other_patient, team_b_patient):
    make_alert(patient)
    make_alert(other_patient)
    make_alert(team_b_patient)
    html = clinician_client.get(reverse("alert_inbox")).content.decode()
    assert 'Alerts <span class="badge" id="open-alert-count">2</span>' in html


def test_acknowledge_by_post_records_the_clinician(clinician_client, clinician, patient):
    alert = make_alert(patient)
    response = clinician_client.post(reverse("alert_acknowledge", args=[alert.pk]), {"next": reverse("alert_inbox")})
    assert response.status_code == 302 and response["Location"] == reverse("alert_inbox")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.acknowledged_by == clinician


def test_acknowledge_by_get_is_not_allowed(clinician_client, patient):
    alert = make_alert(patient)
    assert clinician_client.get(reverse("alert_acknowledge", args=[alert.pk])).status_code == 405
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_resolve_by_post_with_outcome_and_note(clinician_client, clinician, patient):
    alert = make_alert(patient)
    response = clinician_client.post(
        reverse("alert_resolve", args=[alert.pk]), {"outcome": "visit_booked", "note": "Clinic on Monday"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert (alert.outcome, alert.resolution_note, alert.resolved_by) == ("visit_booked", "Clinic on Monday", clinician)


def test_resolve_with_a_bad_outcome_is_a_400_naming_the_field(clinician_client, patient):
    alert = make_alert(patient)
    response = clinician_client.post(reverse("alert_resolve", args=[alert.pk]), {"outcome": "vanished"})
    assert response.status_code == 400
    assert "outcome" in response.context["resolve_form"].errors
    assert "outcome:" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    assert not alert.events.filter(kind=AlertEvent.Kind.RESOLVED).exists()


def test_acknowledging_a_resolved_alert_is_a_400(clinician_client, clinician, patient):
    alert = make_alert(patient)
    clinician_client.post(reverse("alert_resolve", args=[alert.pk]), {"outcome": "false_alarm"})
    response = clinician_client.post(reverse("alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 400
    assert "already resolved" in response.content.decode()


def test_assign_to_me(clinician_client, clinician, patient):
    alert = make_alert(patient)
    response = clinician_client.post(reverse("alert_assign", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.assigned_to == clinician


def test_assign_to_another_teams_clinician_is_a_400(clinician_client, other_clinician, patient):
    alert = make_alert(patient)
    response = clinician_client.post(reverse("alert_assign", args=[alert.pk]), {"assignee": other_clinician.pk})
    assert response.status_code == 400
    assert "assignee" in response.content.decode()
    alert.refresh_from_db()
    assert alert.assigned_to is None


def test_detail_page_shows_history_and_deliveries(clinician_client, clinician, patient):
    alert = make_alert(patient, severity=Severity.URGENT)
    clinician_client.post(reverse("alert_acknowledge", args=[alert.pk]))
    response = clinician_client.get(reverse("alert_detail", args=[alert.pk]))
    assert response.status_code == 200
    assert [e.kind for e in response.context["events"]] == ["opened", "acknowledged"]
    assert {d.channel for d in response.context["deliveries"]} == {"in_app", "email"}
    assert "Acknowledged</strong> by Nurse.A" in response.content.decode()


@pytest.mark.parametrize("action", ["alert_detail", "alert_acknowledge", "alert_resolve", "alert_assign"])
def test_clinician_of_another_team_gets_404(client, other_clinician, patient, action):
    alert = make_alert(patient)
    client = login(client, other_clinician)
    url = reverse(action, args=[alert.pk])
    response = client.get(url) if action == "alert_detail" else client.post(url, {"outcome": "false_alarm"})
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN and alert.assigned_to is None


@pytest.mark.parametrize("action", ["alert_inbox", "alert_detail", "alert_acknowledge", "alert_preferences"])
def test_patients_cannot_see_alerts_not_even_their_own(patient_client, patient, other_patient, action):
    own = make_alert(patient)
    make_alert(other_patient)
    url = reverse(action) if action in ("alert_inbox", "alert_preferences") else reverse(action, args=[own.pk])
    response = patient_client.get(url) if action != "alert_acknowledge" else patient_client.post(url)
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == Alert.Status.OPEN


def test_anonymous_is_sent_to_log_in(client, patient):
    response = client.get(reverse("alert_inbox"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_action_buttons_are_big_enough_for_a_thumb():
    css = (
        __import__("pathlib").Path(__file__).resolve().parents[2] / "static" / "css" / "notifications.css"
    ).read_text()
    assert "min-height: 52px" in css and ".alert-actions button" in css

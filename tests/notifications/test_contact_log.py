"""The contact log on an alert, and the patient's numbers on every alert card and page."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Alert, AlertEvent, Severity
from notifications.services import alert_contact_log, alert_open
from patients.services import patient_contact_set
from tests.conftest import login, make_patient

pytestmark = pytest.mark.django_db


def make_alert(patient, severity=Severity.URGENT, rule="red_flag"):
    alert, _ = alert_open(
        patient=patient, rule=rule, severity=severity, date=date(2026, 11, 20), evidence="Red flag on 20 Nov"
    )
    return alert


def give_numbers(patient, by):
    return patient_contact_set(
        patient=patient,
        user=by,
        mobile_phone="07911 123456",
        email="ada@example.org",
        emergency_name="Charles Babbage",
        emergency_relation="Friend",
        emergency_phone="020 7946 0958",
    )


def contact_post(client, alert, outcome, **extra):
    return client.post(reverse("alert_contact", args=[alert.pk]), {"outcome": outcome, **extra})


def test_the_alert_card_shows_tel_and_mailto_links_in_the_inbox_and_on_the_alert_page(
    clinician_client, clinician, patient
):
    give_numbers(patient, clinician)
    alert = make_alert(patient)
    for url in (reverse("alert_inbox"), reverse("alert_detail", args=[alert.pk])):
        body = clinician_client.get(url).content.decode()
        card = body[body.index(f'id="alert-{alert.pk}"') :]
        assert '<a href="tel:+447911123456">+44 7911 123456</a>' in card, url
        assert '<a href="mailto:ada@example.org">ada@example.org</a>' in card, url
        assert '<a href="tel:+442079460958">+44 20 7946 0958</a>' in card and "Charles Babbage (Friend)" in card


def test_a_card_without_numbers_says_so(clinician_client, patient):
    make_alert(patient)
    assert "No phone number or email on record." in clinician_client.get(reverse("alert_inbox")).content.decode()


def test_one_tap_without_javascript_logs_who_and_when_in_the_history(clinician_client, clinician, patient):
    alert = make_alert(patient)
    page = clinician_client.get(reverse("alert_detail", args=[alert.pk])).content.decode()
    # A plain form, one submit button per outcome: a tap posts it, no script needed.
    action = f'action="{reverse("alert_contact", args=[alert.pk])}"'
    assert action in page
    for value, label in (
        ("called_no_answer", "Called, no answer"),
        ("spoke_patient", "Spoke with patient"),
        ("left_message", "Left message"),
        ("sent_to_ed", "Sent to A&amp;E/ED"),
    ):
        assert f'<button type="submit" name="outcome" value="{value}">{label}</button>' in page
    before = timezone.now()
    response = contact_post(clinician_client, alert, "called_no_answer")
    assert response.status_code == 302 and response["Location"] == reverse("alert_detail", args=[alert.pk])
    event = AlertEvent.objects.get(alert=alert, kind="called_no_answer")
    assert event.actor == clinician and before <= event.at <= timezone.now()
    history = clinician_client.get(reverse("alert_detail", args=[alert.pk])).content.decode()
    assert "<strong>Called, no answer</strong> by Nurse.A" in history


def test_a_try_from_the_inbox_card_goes_back_to_the_inbox(clinician_client, patient):
    alert = make_alert(patient)
    response = contact_post(clinician_client, alert, "left_message", next="/alerts/?severity=urgent")
    assert response.status_code == 302 and response["Location"] == "/alerts/?severity=urgent"


def test_a_try_on_an_open_alert_acknowledges_it_so_escalation_stops(clinician, patient):
    alert = make_alert(patient)
    alert_contact_log(alert=alert, user=clinician, outcome="spoke_patient")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.acknowledged_by == clinician
    kinds = list(AlertEvent.objects.filter(alert=alert).values_list("kind", flat=True))
    assert kinds == ["opened", "acknowledged", "spoke_patient"]


def test_a_resolved_alert_still_takes_a_call_back(clinician_client, clinician, patient):
    from notifications.services import alert_resolve

    alert = make_alert(patient)
    alert_resolve(alert=alert, user=clinician, outcome="called_patient")
    assert contact_post(clinician_client, alert, "spoke_patient").status_code == 302
    assert AlertEvent.objects.filter(alert=alert, kind="spoke_patient").count() == 1


@pytest.mark.parametrize("outcome", ["", "opened", "resolved", "x" * 500])
def test_an_unknown_outcome_is_a_400_naming_the_field(clinician_client, patient, outcome):
    alert = make_alert(patient)
    response = contact_post(clinician_client, alert, outcome)
    assert response.status_code == 400
    assert "outcome: Choose one of: Called, no answer" in response.content.decode()
    assert AlertEvent.objects.filter(alert=alert).count() == 1  # only "opened"


def test_the_contact_log_is_post_only(clinician_client, patient):
    alert = make_alert(patient)
    assert clinician_client.get(reverse("alert_contact", args=[alert.pk])).status_code == 405


def test_another_teams_clinician_gets_404_and_logs_nothing(client, other_clinician, patient):
    alert = make_alert(patient)
    login(client, other_clinician)
    assert contact_post(client, alert, "called_no_answer").status_code == 404
    assert not AlertEvent.objects.filter(kind="called_no_answer").exists()


def test_the_patient_gets_403_and_logs_nothing(patient_client, patient):
    alert = make_alert(patient)
    assert contact_post(patient_client, alert, "called_no_answer").status_code == 403
    assert not AlertEvent.objects.filter(kind="called_no_answer").exists()


def test_a_try_is_audited(clinician, patient):
    from audit.models import AuditEvent

    alert = make_alert(patient)
    alert_contact_log(alert=alert, user=clinician, outcome="sent_to_ed")
    assert AuditEvent.objects.filter(
        what="alert", patient_id=patient.pk, detail__did="contact:sent_to_ed", actor=clinician
    ).exists()


def test_numbers_on_the_cards_cost_no_query_per_alert(clinician_client, clinician, team_a):
    def add(n, prefix):
        for i in range(n):
            p = make_patient(team_a, None, f"{prefix}{i}", "Test")
            give_numbers(p, clinician)
            make_alert(p)

    add(2, "P")
    with CaptureQueriesContext(connection) as few:
        clinician_client.get(reverse("alert_inbox"))
    add(8, "Q")
    with CaptureQueriesContext(connection) as many:
        body = clinician_client.get(reverse("alert_inbox")).content.decode()
    assert body.count('href="tel:+447911123456"') == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_urgent_email_carries_no_phone_number_or_email_of_the_patient(
    django_capture_on_commit_callbacks, outbox, clinician, patient
):
    give_numbers(patient, clinician)
    with django_capture_on_commit_callbacks(execute=True):
        alert = make_alert(patient)
    (message,) = outbox
    text = message.subject + message.body
    for private in ("7911", "123456", "7946", "ada@example.org", "Charles", "Babbage", "Lovelace"):
        assert private not in text
    assert "tel:" not in text and "mailto:" not in text
    assert f"/alerts/{alert.pk}/" in message.body  # "open the alert", and nothing more


def test_the_visit_report_lists_the_contact_log(clinician_client, clinician, patient):
    alert = make_alert(patient)
    alert_contact_log(alert=alert, user=clinician, outcome="called_no_answer")
    alert_contact_log(alert=alert, user=clinician, outcome="sent_to_ed")
    old = alert_contact_log(alert=alert, user=clinician, outcome="left_message")
    AlertEvent.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=400))
    today = patient.local_today()
    period = {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}
    response = clinician_client.get(reverse("patient_report", args=[patient.pk]), period)
    html = response.content.decode()
    section = html[html.index("Contact with the patient") :]
    section = section[: section.index("</section>")]
    assert section.index("Called, no answer by Nurse.A") < section.index("Sent to A&amp;E/ED by Nurse.A")
    assert "Left message" not in section  # outside the period
    assert [e.kind for e in response.context["contact_log"]] == ["called_no_answer", "sent_to_ed"]


def test_the_visit_report_says_when_nobody_was_contacted(clinician_client, patient):
    html = clinician_client.get(reverse("patient_report", args=[patient.pk])).content.decode()
    assert "No calls or messages logged on alerts in this period." in html

"""The care team's screens: one date format, scores with their scale, evidence dated."""

from datetime import date

from django.urls import reverse
from django.utils import timezone

from notifications.models import Alert
from tests.conftest import add_history


def test_the_report_gives_the_birth_date_as_day_month_year(clinician_client, patient):
    add_history(patient, days=10)
    html = clinician_client.get(reverse("patient_report", kwargs={"pk": patient.pk})).content.decode()
    assert "born 14 Mar 1958" in html
    assert "March 14, 1958" not in html and "Mar. 14, 1958" not in html and "1958-03-14" not in html


def test_the_report_names_each_domains_scale(clinician_client, patient):
    add_history(patient, days=10)
    html = clinician_client.get(reverse("patient_report", kwargs={"pk": patient.pk})).content.decode()
    assert "of 7</span></th>" in html and "of 18</span></th>" in html


def test_the_chart_page_shows_domain_scores_out_of_their_maximum(clinician_client, patient):
    add_history(patient, {0: (4, 6, 2, 3)}, start=patient.local_today())
    html = clinician_client.get(reverse("patient_detail", kwargs={"pk": patient.pk})).content.decode()
    assert '<td data-label="Walk">6 of 7</td>' in html and '<td data-label="Hands">4 of 5</td>' in html
    assert "15 of 18" in html


def test_an_alert_card_says_when_its_evidence_was_written(clinician_client, patient):
    Alert.objects.create(
        patient=patient,
        rule="missed_checkins",
        severity="moderate",
        date=date(2026, 11, 2),
        evidence="No check-in for 5 days",
        opened_at=timezone.now(),
    )
    inbox = clinician_client.get(reverse("alert_inbox")).content.decode()
    assert "No check-in for 5 days" in inbox and '(as of <time datetime="2026-11-02">2 Nov</time>)' in inbox
    dashboard = clinician_client.get(reverse("team_patients")).content.decode()
    assert "No check-in for 5 days (as of 2 Nov)" in dashboard

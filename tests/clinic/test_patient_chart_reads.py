"""The clinician chart page reads what it shows in few statements, and shows the same as before it did."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from motor.models import MotorSettings
from notifications.models import Alert
from patients.models import Caregiver, PatientContact
from tests.conftest import add_history, make_user


def detail(client, patient, **params):
    return client.get(reverse("patient_detail", args=[patient.pk]), params)


def open_alerts_section(html: str) -> str:
    return re.search(r"<h2>Open alerts</h2>(.*?)</section>", html, re.S).group(1)


@pytest.fixture
def year(patient):
    add_history(patient, days=365)
    return patient


def alert(patient, *, days_ago: int, rule: str, severity="moderate", status=Alert.Status.OPEN, evidence=""):
    return Alert.objects.create(
        patient=patient,
        rule=rule,
        severity=severity,
        status=status,
        date=patient.local_today() - timedelta(days=days_ago),
        evidence=evidence or f"{rule} {days_ago} days ago",
    )


def test_a_year_of_the_chart_page_runs_eleven_sql_statements_uncached(
    clinician_client, year, django_assert_num_queries
):
    # session, user, the patient with their contact, phone-test settings,
    # caregiver count and the chart cache's digest, the audit row, the alerts
    # (charted and open), the check-ins, baselines, events, recent check-ins,
    # phone tests, the badge (was 15: the patient's contact, caregivers and
    # phone-test settings and the open alerts were a query each).
    with django_assert_num_queries(11):
        response = detail(clinician_client, year, range="1y")
    assert response.status_code == 200


def test_an_open_alert_from_before_the_range_is_listed_but_not_in_the_range(clinician_client, year):
    alert(year, days_ago=200, rule="drift", evidence="Old but still open")
    html = detail(clinician_client, year, range="30d").content.decode()
    assert "Old but still open" in open_alerts_section(html)
    assert "Old but still open" not in html.split("<h2>Open alerts</h2>")[0]


def test_a_resolved_alert_in_the_range_is_charted_but_not_listed_as_open(clinician_client, year):
    alert(year, days_ago=10, rule="drift", status=Alert.Status.RESOLVED, evidence="Settled drift")
    html = detail(clinician_client, year, range="30d").content.decode()
    assert "Settled drift" not in open_alerts_section(html)
    assert "No open alerts." in open_alerts_section(html)
    assert "Settled drift" in html  # in the figure's data (its hover text)


def test_a_resolved_alert_before_the_range_is_neither_charted_nor_listed(clinician_client, year):
    alert(year, days_ago=100, rule="drift", status=Alert.Status.RESOLVED, evidence="Long settled")
    html = detail(clinician_client, year, range="30d").content.decode()
    assert "Long settled" not in html


def test_the_open_alerts_are_listed_most_severe_first_then_oldest_first(clinician_client, year):
    alert(year, days_ago=3, rule="drift", severity="moderate", evidence="Moderate one")
    alert(year, days_ago=20, rule="red_flag", severity="urgent", evidence="Urgent one")
    alert(
        year, days_ago=1, rule="domain_drop", severity="moderate", status=Alert.Status.ACKNOWLEDGED, evidence="Ack one"
    )
    listed = open_alerts_section(detail(clinician_client, year, range="1y").content.decode())
    assert listed.index("Urgent one") < listed.index("Moderate one") < listed.index("Ack one")


def test_the_header_counts_the_caregivers_and_shows_the_contact_details(clinician_client, year, clinician):
    html = detail(clinician_client, year).content.decode()
    assert "No caregiver linked." in html
    assert "No phone number or email on record." in html
    for name in ("carer.one", "carer.two"):
        Caregiver.objects.create(user=make_user(name, "caregiver"), patient=year, invited_by=clinician)
    PatientContact.objects.create(patient=year, mobile_phone="+447700900123", preferred_time="after 10 am")
    html = detail(clinician_client, year).content.decode()
    assert "2 caregivers linked." in html
    assert 'href="tel:+447700900123"' in html and "Best time: after 10 am" in html


def test_the_phone_test_settings_shown_are_the_saved_ones(clinician_client, year):
    assert "Offered, suggested every" in detail(clinician_client, year).content.decode()
    MotorSettings.objects.create(patient=year, enabled=False, every_days=7, walk_distance_m=10)
    assert "Turned off for this patient." in detail(clinician_client, year).content.decode()

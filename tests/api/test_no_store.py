"""Responses about someone are never stored by a browser or proxy; static files are."""

import pytest
from django.urls import reverse

from tests.conftest import add_history

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    value = response.get("Cache-Control", "")
    return "no-store" in value and "private" in value


def test_a_patients_own_page_is_not_stored(client, patient):
    client.force_login(patient.user)
    assert no_store(client.get(reverse("today")))


def test_the_dashboard_chart_and_csv_are_not_stored(client, clinician, patient):
    add_history(patient, days=5)
    client.force_login(clinician)
    for url in (
        reverse("team_patients"),
        reverse("patient_detail", args=[patient.pk]),
        reverse("patient_report_csv", args=[patient.pk]),
    ):
        assert no_store(client.get(url)), url


def test_api_json_and_its_csv_export_are_not_stored(patient, clinician, api_client_for):
    add_history(patient, days=5)
    api = api_client_for(clinician)
    assert no_store(api.get(reverse("api-patient-checkins", kwargs={"pk": patient.pk})))
    assert no_store(api.get(reverse("api-patient-export-csv", kwargs={"pk": patient.pk})))


def test_the_alert_resolve_refuses_an_outcome_only_detection_sets(patient, clinician, api_client_for):
    from notifications.models import Alert

    alert = Alert.objects.create(
        patient=patient, rule="red_flag", severity="urgent", date=patient.local_today(), evidence="x"
    )
    response = api_client_for(clinician).post(
        reverse("api-alert-resolve", kwargs={"pk": alert.pk}), {"outcome": "recovered"}, format="json"
    )
    assert response.status_code == 400 and "outcome" in response.json()
    alert.refresh_from_db()
    assert alert.status == "open"

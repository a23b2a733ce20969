"""POST/GET /api/v1/motor-tests/ and GET /api/v1/patients/{id}/motor-tests/."""

import pytest
from django.urls import reverse

from motor.models import MotorTest
from tests.motor.conftest import caregiver, tap_payload  # noqa: F401  (caregiver is a fixture)

pytestmark = pytest.mark.django_db


def test_a_patient_records_a_tap_try_and_gets_it_in_plain_words(patient, api_client_for):
    client = api_client_for(patient.user)
    response = client.post(reverse("api-motor-tests"), tap_payload(32), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["count"], body["misses"], body["measure"], body["practice"]) == (32, 0, "tap_right", True)
    assert body["words"].startswith("32 taps. This is your first result")
    second = client.post(reverse("api-motor-tests"), tap_payload(25), format="json").json()
    assert second["words"] == "25 taps, fewer than earlier today."


def test_a_retry_with_the_same_client_id_is_a_200_and_stores_nothing_new(patient, api_client_for):
    client = api_client_for(patient.user)
    payload = tap_payload(30)
    first = client.post(reverse("api-motor-tests"), payload, format="json")
    again = client.post(reverse("api-motor-tests"), payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and MotorTest.objects.count() == 1


@pytest.mark.parametrize(
    "body,field",
    [
        ({**tap_payload(), "count": 40}, "count"),
        ({**tap_payload(), "events": [{"t": -5, "target": "a"}]}, "events[0].t"),
        ({**tap_payload(), "side": "middle"}, "side"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_a_bad_payload_is_a_400_naming_the_problem(patient, api_client_for, body, field):
    response = api_client_for(patient.user).post(reverse("api-motor-tests"), body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not MotorTest.objects.exists()


def test_a_caregiver_enters_a_try_for_the_patient(patient, caregiver, api_client_for):  # noqa: F811
    response = api_client_for(caregiver).post(reverse("api-motor-tests"), tap_payload(20), format="json")
    assert response.status_code == 201
    assert response.json()["entered_by"] == "Caregiver (Tom)"
    assert MotorTest.objects.get().patient == patient


def test_the_care_team_reads_its_patients_tries_and_another_team_gets_404(
    patient, clinician, other_clinician, api_client_for
):
    api_client_for(patient.user).post(reverse("api-motor-tests"), tap_payload(25), format="json")
    url = reverse("api-patient-motor-tests", kwargs={"pk": patient.pk})
    rows = api_client_for(clinician).get(url).json()["results"]
    assert [(r["kind"], r["count"]) for r in rows] == [("tap", 25)]
    assert api_client_for(other_clinician).get(url).status_code == 404
    assert api_client_for(clinician).post(reverse("api-motor-tests"), tap_payload(), format="json").status_code == 403


def test_the_schema_documents_the_motor_endpoints(client):
    schema = client.get(reverse("api-schema")).content.decode()
    assert "/api/v1/motor-tests/" in schema and "/api/v1/patients/{id}/motor-tests/" in schema
    assert "MotorTestWrite" in schema

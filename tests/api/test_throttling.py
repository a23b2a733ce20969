"""Log-in attempts and check-in creation are throttled (counts in the Django cache)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import GOOD_ANSWERS, PASSWORD
from tracker.models import CheckIn


def test_log_in_is_refused_with_429_after_ten_attempts_a_minute_even_with_the_right_password(patient):
    client = APIClient()
    url = reverse("api-token")
    for _ in range(10):
        assert client.post(url, {"username": "patient.a1", "password": "guess"}, format="json").status_code == 400
    response = client.post(url, {"username": "patient.a1", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"]


def test_check_in_creation_is_refused_after_thirty_an_hour_but_reading_is_not(patient, api_client_for):
    client = api_client_for(patient.user)
    for _ in range(30):
        assert client.post("/api/v1/checkins/", {"gait": 99}, format="json").status_code == 400
    assert client.post("/api/v1/checkins/", GOOD_ANSWERS, format="json").status_code == 429
    assert not CheckIn.objects.exists()
    assert client.get("/api/v1/checkins/").status_code == 200


def test_one_patients_throttle_does_not_block_another(patient, other_patient, api_client_for):
    first = api_client_for(patient.user)
    for _ in range(31):
        first.post("/api/v1/checkins/", {}, format="json")
    assert api_client_for(other_patient.user).post("/api/v1/checkins/", GOOD_ANSWERS, format="json").status_code == 201


def test_rates_come_from_settings_at_request_time(settings, patient, api_client_for):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"checkin_create": "2/hour"}}
    client = api_client_for(patient.user)
    codes = [client.post("/api/v1/checkins/", GOOD_ANSWERS, format="json").status_code for _ in range(3)]
    assert codes == [201, 200, 429]


def test_a_made_up_forwarded_for_header_does_not_reset_the_log_in_count(patient):
    client = APIClient()
    url = reverse("api-token")
    for n in range(10):
        client.post(
            url, {"username": "patient.a1", "password": "guess"}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        )
    response = client.post(
        url, {"username": "patient.a1", "password": "guess"}, format="json", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert response.status_code == 429


def test_guessing_one_accounts_password_from_many_addresses_is_stopped_after_thirty_an_hour(patient, other_patient):
    client = APIClient()
    url = reverse("api-token")
    for n in range(30):
        body = {"username": "Patient.A1 " if n % 2 else "patient.a1", "password": "guess"}
        assert client.post(url, body, format="json", REMOTE_ADDR=f"10.0.{n}.1").status_code == 400
    right = {"username": "patient.a1", "password": PASSWORD}
    assert client.post(url, right, format="json", REMOTE_ADDR="10.1.0.1").status_code == 429
    other = {"username": "patient.a2", "password": PASSWORD}
    assert client.post(url, other, format="json", REMOTE_ADDR="10.1.0.2").status_code == 200


@pytest.fixture(autouse=True)
def _no_lockout(settings):
    """These tests are about the API's own throttles; the account lockout (tests/patients/test_lockout.py) would stop them first."""
    settings.AXES_FAILURE_LIMIT = 10_000

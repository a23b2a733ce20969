"""Log-in attempts are throttled (counts in the Django cache).

The check-in's limit is counted by the database: tests/tracker/test_checkin_limit.py."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import PASSWORD


def test_log_in_is_refused_with_429_after_ten_attempts_a_minute_even_with_the_right_password(patient):
    client = APIClient()
    url = reverse("api-token")
    for _ in range(10):
        assert client.post(url, {"username": "patient.a1", "password": "guess"}, format="json").status_code == 400
    response = client.post(url, {"username": "patient.a1", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"]


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

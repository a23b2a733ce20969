"""Hostile JSON is a 400 that says what is wrong, never a 500, and stores nothing."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Alert
from tests.conftest import GOOD_ANSWERS
from tracker.models import CheckIn

pytestmark = pytest.mark.django_db


def message(response) -> str:
    """Malformed JSON is a 400 in the API's field-errors shape, under non_field_errors."""
    return " ".join(response.json()["non_field_errors"])


def post_raw(client, url, text):
    return client.post(url, data=text.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.mark.parametrize("body", ["[" * 1000, '{"a":' * 1000 + "1" + "}" * 1000, "[" * 40 + "]" * 40])
def test_deeply_nested_json_to_the_log_in_is_a_400_saying_so(body):
    response = post_raw(APIClient(), reverse("api-token"), body)
    assert response.status_code == 400
    assert "nested more than 32 levels" in message(response)


def test_a_lone_surrogate_in_a_user_name_is_a_400_not_a_500():
    response = post_raw(APIClient(), reverse("api-token"), '{"username": "\\ud800", "password": "x"}')
    assert response.status_code == 400
    assert "invalid character" in message(response)


@pytest.mark.parametrize(
    "extra",
    ['"\\ud800": 1', '"numbness_locations": ["\\ud800"]', '"note": "fine \\udfff"'],
)
def test_a_lone_surrogate_anywhere_in_a_check_in_is_a_400_and_nothing_is_saved(extra, patient, api_client_for):
    scores = ", ".join(f'"{k}": {v}' for k, v in GOOD_ANSWERS.items())
    response = post_raw(api_client_for(patient.user), reverse("api-checkins"), "{" + scores + ", " + extra + "}")
    assert response.status_code == 400
    assert "invalid character" in message(response)
    assert not CheckIn.objects.exists()


def test_a_lone_surrogate_in_a_resolve_outcome_is_a_400(patient, clinician, api_client_for):
    alert = Alert.objects.create(
        patient=patient, rule="red_flag", severity="urgent", date=patient.local_today(), evidence="x"
    )
    url = reverse("api-alert-resolve", kwargs={"pk": alert.pk})
    response = post_raw(api_client_for(clinician), url, '{"outcome": "\\ud800"}')
    assert response.status_code == 400
    alert.refresh_from_db()
    assert alert.status == "open"


def test_ordinary_non_ascii_text_is_still_welcome(patient, api_client_for):
    body = {**GOOD_ANSWERS, "note": "Müde, aber gut 😊 – 痛みなし"}
    response = api_client_for(patient.user).post(reverse("api-checkins"), body, format="json")
    assert response.status_code == 201
    assert CheckIn.objects.get().note == body["note"]

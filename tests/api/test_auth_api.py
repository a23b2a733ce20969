"""Token log-in, log-out and "who am I"."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from patients.models import ApiToken
from tests.conftest import PASSWORD


def test_each_log_in_gives_this_device_its_own_token_and_stores_only_a_hash(patient):
    client = APIClient()
    first = client.post(
        reverse("api-token"), {"username": "patient.a1", "password": PASSWORD, "device": "Ada's phone"}, format="json"
    )
    again = client.post(reverse("api-token"), {"username": "patient.a1", "password": PASSWORD}, format="json")
    assert first.status_code == 200
    body = first.json()
    assert {key: body[key] for key in ("user_id", "role", "device")} == {
        "user_id": patient.user.pk,
        "role": "patient",
        "device": "Ada's phone",
    }
    assert again.json()["token"] != body["token"]
    assert ApiToken.objects.filter(user=patient.user).count() == 2
    stored = ApiToken.objects.get(name="Ada's phone")
    assert body["token"] not in {stored.digest, stored.prefix} and len(stored.digest) == 64


@pytest.mark.parametrize(
    "body,field",
    [
        ({"username": "patient.a1", "password": "wrong"}, "non_field_errors"),
        ({"username": "nobody", "password": PASSWORD}, "non_field_errors"),
        ({"password": PASSWORD}, "username"),
        ({"username": "patient.a1"}, "password"),
        ({"username": ["patient.a1"], "password": PASSWORD}, "username"),
        ({"username": "x" * 151, "password": PASSWORD}, "username"),
    ],
)
def test_it_refuses_bad_credentials_naming_the_field(patient, body, field):
    response = APIClient().post(reverse("api-token"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(patient):
    patient.user.is_active = False
    patient.user.save()
    response = APIClient().post(reverse("api-token"), {"username": "patient.a1", "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_log_out_revokes_this_devices_token_and_leaves_the_others(patient, api_client_for):
    client = api_client_for(patient.user)
    other_device = api_client_for(patient.user)
    assert client.get(reverse("api-me")).status_code == 200
    assert client.post(reverse("api-logout")).status_code == 204
    assert client.get(reverse("api-me")).status_code == 401
    assert other_device.get(reverse("api-me")).status_code == 200
    assert ApiToken.objects.filter(user=patient.user).count() == 1


def test_me_shows_a_patient_their_record_and_team(patient, api_client_for):
    body = api_client_for(patient.user).get(reverse("api-me")).json()
    assert body["role"] == "patient"
    assert body["patient"]["id"] == patient.pk
    assert body["patient"]["care_team"]["name"] == "Spine Clinic A"
    assert body["teams"] == []


def test_me_shows_a_clinician_their_teams_and_no_patient_record(clinician, api_client_for):
    body = api_client_for(clinician).get(reverse("api-me")).json()
    assert body["role"] == "clinician"
    assert body["patient"] is None
    assert body["teams"] == [
        {
            "team": {"id": clinician.memberships.get().team_id, "name": "Spine Clinic A", "phone": "+44 20 7946 0101"},
            "team_role": "nurse",
        }
    ]


def test_a_web_session_works_too_but_writes_need_the_csrf_token(patient, client):
    client.force_login(patient.user)
    assert client.get(reverse("api-me")).json()["username"] == "patient.a1"
    csrf_client = APIClient(enforce_csrf_checks=True)
    csrf_client.force_login(patient.user)
    response = csrf_client.post(reverse("api-checkins"), {"fine_motor": 4}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_unknown_token_is_a_401_with_a_challenge(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get(reverse("api-me"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"

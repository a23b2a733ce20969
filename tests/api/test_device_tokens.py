"""Per-device API tokens: hashed, expiring (sliding for patients), revoked by a password change, listable."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from patients.models import ApiToken
from patients.tokens import TOUCH_EVERY, token_issue

pytestmark = pytest.mark.django_db


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_patients_token_lasts_the_configured_days_and_each_use_pushes_it_back(settings, patient):
    settings.API_PATIENT_TOKEN_DAYS = 90
    issued = token_issue(user=patient.user, name="Phone")
    assert issued.token.sliding
    assert timedelta(days=89) < issued.token.expires_at - timezone.now() <= timedelta(days=90)
    # Two months later the phone is used again: it gets another 90 days from now.
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() + timedelta(days=30), last_used_at=timezone.now() - TOUCH_EVERY * 2
    )
    assert client_with(issued.key).get(reverse("api-me")).status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.expires_at - timezone.now() > timedelta(days=89)


def test_a_clinicians_token_ends_after_the_configured_hours_however_often_used(settings, clinician):
    settings.API_STAFF_TOKEN_HOURS = 12
    issued = token_issue(user=clinician)
    assert not issued.token.sliding
    expires = issued.token.expires_at
    assert client_with(issued.key).get(reverse("api-me")).status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.expires_at == expires <= timezone.now() + timedelta(hours=12)


def test_an_expired_token_is_refused_and_removed(patient):
    issued = token_issue(user=patient.user)
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_with(issued.key).get(reverse("api-me"))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert not ApiToken.objects.filter(pk=issued.token.pk).exists()


def test_changing_the_password_revokes_every_token(patient):
    phone, tablet = token_issue(user=patient.user), token_issue(user=patient.user)
    patient.user.set_password("a-brand-new-secret-77")
    patient.user.save()
    assert client_with(phone.key).get(reverse("api-me")).status_code == 401
    assert client_with(tablet.key).get(reverse("api-me")).status_code == 401


def test_an_owner_lists_their_devices_without_the_secrets_and_revokes_one(patient, other_patient):
    phone = token_issue(user=patient.user, name="Phone")
    tablet = token_issue(user=patient.user, name="Tablet")
    someone_else = token_issue(user=other_patient.user, name="Brian's phone")
    listing = client_with(phone.key).get(reverse("api-tokens"))
    assert listing.status_code == 200
    rows = {row["name"]: row for row in listing.json()}
    assert set(rows) == {"Phone", "Tablet"}
    assert rows["Phone"]["current"] and not rows["Tablet"]["current"]
    assert phone.key not in listing.content.decode() and tablet.key not in listing.content.decode()

    url = reverse("api-token-detail", kwargs={"pk": tablet.token.pk})
    assert client_with(phone.key).delete(url).status_code == 204
    assert client_with(tablet.key).get(reverse("api-me")).status_code == 401
    # Another person's device is not theirs to see or revoke.
    other = reverse("api-token-detail", kwargs={"pk": someone_else.token.pk})
    assert client_with(phone.key).delete(other).status_code == 404
    assert client_with(someone_else.key).get(reverse("api-me")).status_code == 200


def test_sign_out_every_device(patient):
    phone, tablet = token_issue(user=patient.user), token_issue(user=patient.user)
    assert client_with(phone.key).delete(reverse("api-tokens")).status_code == 204
    assert client_with(tablet.key).get(reverse("api-me")).status_code == 401
    assert not ApiToken.objects.filter(user=patient.user).exists()


@pytest.mark.parametrize("bad", ["", "x" * 500, "\u00e9" * 40, "Token"])
def test_a_malformed_token_is_a_401_not_a_500(db, bad):
    response = APIClient().get(reverse("api-me"), HTTP_AUTHORIZATION=f"Token {bad}")
    assert response.status_code == 401


@pytest.mark.parametrize("who", ["patient", "clinician"])
def test_the_token_lookup_reads_the_token_its_user_and_their_record_as_the_orm_would_in_one_query(
    request, who, django_assert_num_queries
):
    # patients.tokens reads all three in one fixed SQL text on PostgreSQL (the ORM elsewhere); both
    # must give the same rows, with the user and the record (None for the care team) already cached.
    from patients.models import Patient, User
    from patients.tokens import _digest, _token_with_user_and_patient
    from tests.conftest import assert_same_columns

    user = request.getfixturevalue(who) if who == "clinician" else request.getfixturevalue(who).user
    issued = token_issue(user=user, name="Phone")
    Patient.objects.filter(user=user).update(detector_state={"baseline": [3, 5, 2, 2]})
    with django_assert_num_queries(1):
        token = _token_with_user_and_patient(_digest(issued.key))
        assert token.user.pk == user.pk
        record = token.user.patient if who == "patient" else None
        if who == "clinician":
            with pytest.raises(User.patient.RelatedObjectDoesNotExist):
                _ = token.user.patient
        else:
            assert record.user is token.user
    expected = ApiToken.objects.select_related("user").get(pk=issued.token.pk)
    assert_same_columns(token, expected)
    assert_same_columns(token.user, expected.user)
    if record is not None:
        assert_same_columns(record, Patient.objects.get(user=user), skip=("detector_state",))
        assert record.get_deferred_fields() == {"detector_state"}
        with django_assert_num_queries(1):
            assert record.detector_state == {"baseline": [3, 5, 2, 2]}
    assert _token_with_user_and_patient(_digest("not-a-token")) is None

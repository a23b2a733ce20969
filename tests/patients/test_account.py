"""A person's own account: log in by email, sign out elsewhere, change or reset the password; the clinic re-invites."""

import re
import time

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from patients.models import Invitation, User
from patients.tokens import token_issue
from tests.api.conftest import reset_throttles
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    reset_throttles()  # the API log-in throttle counts in Redis across tests


NEW_PASSWORD = "harbour-violet-teapot"


def logged_in(user, password=PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.content[:300]
    return client


def signed_in(client) -> bool:
    return client.get(reverse("account")).status_code == 200


def api_works(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(reverse("api-me")).status_code == 200


def test_log_in_with_the_email_address_or_the_user_name_in_any_capitals(client, patient):
    patient.user.email = "ada@example.org"
    patient.user.save()
    for typed in ("ADA@example.org", "Patient.A1", " patient.a1 "):
        client.logout()
        response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
        assert response.status_code == 302, typed


def test_an_email_shared_by_two_accounts_logs_neither_in_by_email(client, patient, other_patient):
    User.objects.filter(pk__in=[patient.user.pk, other_patient.user.pk]).update(email="family@example.org")
    response = client.post(reverse("login"), {"username": "family@example.org", "password": PASSWORD})
    assert response.status_code == 400


def test_sign_out_of_all_other_devices_keeps_this_one(patient):
    phone, tablet = logged_in(patient.user), logged_in(patient.user)
    app = token_issue(user=patient.user, name="Phone app")
    response = phone.post(reverse("sign_out_others"))
    assert response.status_code == 302
    assert signed_in(phone)
    assert not signed_in(tablet)
    assert not api_works(app.key)


def test_changing_the_password_ends_every_other_session_and_token(patient):
    phone, tablet = logged_in(patient.user), logged_in(patient.user)
    app = token_issue(user=patient.user)
    page = phone.get(reverse("password_change"))
    assert page.status_code == 200
    weak = phone.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "nurse2024!", "new_password2": "nurse2024!"},
    )
    assert weak.status_code == 400 and "clinic" in weak.content.decode()
    response = phone.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert signed_in(phone) and not signed_in(tablet) and not api_works(app.key)


def test_a_forgotten_password_is_reset_through_an_emailed_link(settings, client, patient):
    settings.SITE_URL = "https://myelotrack.example.org"
    patient.user.email = "ada@example.org"
    patient.user.save()
    other_session = logged_in(patient.user)

    assert client.post(reverse("password_reset"), {"email": "nobody@example.org"}).status_code == 302
    assert mail.outbox == []  # and the same answer: nobody learns which addresses exist
    response = client.post(reverse("password_reset"), {"email": "ADA@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    (email,) = mail.outbox
    assert "Lovelace" not in email.body and "score" not in email.body.lower()
    link = re.search(r"https://myelotrack\.example\.org(/password-reset/\S+/\S+/)", email.body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert not signed_in(other_session)
    assert logged_in(patient.user, NEW_PASSWORD)
    assert "does not work" in client.get(link, follow=True).content.decode()  # used once


def test_the_email_address_is_saved_and_a_bad_one_named(patient_client, patient):
    assert patient_client.post(reverse("account"), {"email": "not-an-address"}).status_code == 400
    assert patient_client.post(reverse("account"), {"email": "ada@example.org"}).status_code == 302
    patient.user.refresh_from_db()
    assert patient.user.email == "ada@example.org"


def test_the_account_page_lists_apps_and_signs_one_out(patient_client, patient):
    app = token_issue(user=patient.user, name="Ada's phone")
    html = patient_client.get(reverse("account")).content.decode()
    assert "Ada&#x27;s phone" in html and app.key not in html
    patient_client.post(reverse("device_revoke", args=[app.token.pk]))
    assert not api_works(app.key)


def test_the_care_team_re_invites_a_locked_out_patient_who_keeps_their_user_name(client, clinician, patient):
    for _ in range(5):
        Client().post(reverse("login"), {"username": patient.user.username, "password": "wrong"})
    assert Client().post(reverse("login"), {"username": patient.user.username, "password": PASSWORD}).status_code == 429
    client.force_login(clinician)
    old = Invitation.objects.create(patient=patient, expires_at="2999-01-01T00:00:00Z")
    page = client.post(reverse("invitation_resend", args=[patient.pk]))
    assert page.status_code == 201
    code = page.context["invitation"].code
    old.refresh_from_db()
    assert not old.is_usable()  # one live code at a time

    joined = Client().post(reverse("join"), {"code": code, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert joined.status_code == 302
    patient.user.refresh_from_db()
    assert patient.user.username == "patient.a1"
    assert logged_in(patient.user, NEW_PASSWORD)  # and the lock-out was lifted


def test_another_team_cannot_re_invite(client, other_clinician, patient):
    client.force_login(other_clinician)
    assert client.post(reverse("invitation_resend", args=[patient.pk])).status_code == 404


def test_a_patient_stays_signed_in_for_weeks_and_the_care_team_for_a_shift(settings, patient, clinician):
    settings.PATIENT_SESSION_DAYS = 90
    phone = logged_in(patient.user)
    cookie = phone.cookies[settings.SESSION_COOKIE_NAME]
    assert 89 * 86400 < int(cookie["max-age"]) <= 90 * 86400
    computer = logged_in(clinician)
    assert int(computer.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == settings.SESSION_COOKIE_AGE


def test_a_patients_session_slides_forward_with_daily_use(settings, patient):
    phone = logged_in(patient.user)
    session = phone.session
    session["refreshed"] = int(time.time()) - 2 * 86400
    session.save()
    response = phone.get(reverse("today"))
    assert response.status_code == 200
    assert phone.session["refreshed"] > time.time() - 60
    assert 89 * 86400 < int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"])


def test_a_patient_who_turned_on_two_factor_is_asked_for_it(patient):
    phone = logged_in(patient.user)
    phone.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=patient.user)
    phone.post(reverse("two_factor_setup"), {"code": f"{totp(device.bin_key):06d}"})
    later = logged_in(patient.user)
    assert later.get(reverse("checkin"))["Location"].startswith(reverse("two_factor_verify"))
    api = APIClient().post(reverse("api-token"), {"username": "patient.a1", "password": PASSWORD}, format="json")
    assert api.status_code == 400 and "otp_code" in api.json()


def test_the_database_refuses_a_user_name_differing_only_in_capitals(clinician):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(clinician.username.upper(), "clinician")

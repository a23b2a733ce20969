"""Two-factor sign-in for the care team (authenticator app + recovery codes), on the web and the API."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from patients.two_factor import recovery_codes_regenerate
from tests.api.conftest import reset_throttles
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    reset_throttles()  # the API log-in throttle counts in Redis across tests


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    # django-otp refuses a code twice; later steps (within its tolerance of one) stand in for "a minute later".
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def password_log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def set_up(client, user) -> list[str]:
    password_log_in(client, user)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two_factor_setup"), {"code": code_for(device), "next": "/team/patients/"})
    assert response.status_code == 200
    return response.context["codes"]


def test_a_clinicians_first_log_in_leads_to_set_up_and_then_the_dashboard(client, clinician):
    password_log_in(client, clinician)
    blocked = client.get(reverse("team_patients"))
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("two_factor_setup"))

    page = client.get(blocked["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and 'id="totp-secret"' in html
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    wrong = client.post(reverse("two_factor_setup"), {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "does not match" in wrong.content.decode()
    too_soon = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert too_soon.status_code == 400 and "Too many wrong codes: wait" in too_soon.content.decode()
    time.sleep(2.1)  # django-otp's throttle: 1 s after one failure, 2 s after two

    done = client.post(reverse("two_factor_setup"), {"code": code_for(device), "next": "/team/patients/"})
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    assert client.get(reverse("team_patients")).status_code == 200


def test_later_log_ins_ask_for_the_code_after_the_password(client, clinician):
    set_up(client, clinician)
    client.post(reverse("logout"))
    password_log_in(client, clinician)
    blocked = client.get(reverse("alert_inbox"))
    assert blocked["Location"].startswith(reverse("two_factor_verify"))
    assert client.post(reverse("two_factor_verify"), {"code": "12345"}).status_code == 400
    time.sleep(1.1)  # django-otp's throttle after one wrong code
    device = TOTPDevice.objects.get(user=clinician, confirmed=True)
    response = client.post(reverse("two_factor_verify"), {"code": code_for(device, 1), "next": reverse("alert_inbox")})
    assert response.status_code == 302 and response["Location"] == reverse("alert_inbox")
    assert client.get(reverse("alert_inbox")).status_code == 200


def test_a_recovery_code_lets_a_clinician_in_once(client, clinician):
    codes = set_up(client, clinician)
    for attempt in (1, 2):
        client.post(reverse("logout"))
        password_log_in(client, clinician)
        response = client.post(reverse("two_factor_verify"), {"code": codes[0]})
        assert response.status_code == (302 if attempt == 1 else 400)


def test_a_half_logged_in_clinician_sees_no_patient_data_anywhere(client, clinician, patient):
    password_log_in(client, clinician)
    for url in (reverse("patient_detail", args=[patient.pk]), reverse("api-patients"), "/admin/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"Lovelace" not in response.content
    gate = client.get(reverse("two_factor_setup")).content.decode()
    assert "open-alert-count" not in gate and "Log out" in gate  # no navigation into patient pages yet


def test_the_admin_site_needs_the_second_factor_too(client, db):
    admin = make_user("site.admin", "admin", is_staff=True, is_superuser=True)
    client.post(reverse("admin:login"), {"username": admin.username, "password": PASSWORD, "next": "/admin/"})
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor_setup"))


def test_patients_are_not_asked_for_a_second_factor(client, patient):
    password_log_in(client, patient.user)
    assert client.get(reverse("checkin")).status_code == 200


def test_with_the_setting_off_the_demo_log_ins_need_only_the_password(settings, client, clinician):
    settings.TWO_FACTOR_REQUIRED = False
    password_log_in(client, clinician)
    assert client.get(reverse("team_patients")).status_code == 200


def test_an_api_token_for_a_clinician_needs_the_current_code(client, clinician):
    api = APIClient()
    credentials = {"username": clinician.username, "password": PASSWORD}
    not_set_up = api.post(reverse("api-token"), credentials, format="json")
    assert not_set_up.status_code == 400 and "on the web first" in not_set_up.json()["otp_code"][0]

    set_up(client, clinician)
    missing = api.post(reverse("api-token"), credentials, format="json")
    assert missing.status_code == 400 and list(missing.json()) == ["otp_code"]
    device = TOTPDevice.objects.get(user=clinician, confirmed=True)
    ok = api.post(reverse("api-token"), {**credentials, "otp_code": code_for(device, 1)}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]


def test_new_recovery_codes_replace_the_old_ones(client, clinician):
    old = set_up(client, clinician)
    new = client.post(reverse("two_factor_recovery_codes")).context["codes"]
    assert not set(old) & set(new)
    fresh = recovery_codes_regenerate(user=clinician)
    assert len(fresh) == 10


# ---- idle timeout ---------------------------------------------------------


def test_the_care_team_is_signed_out_after_the_idle_minutes(settings, client, clinician):
    settings.TWO_FACTOR_REQUIRED = False
    settings.CLINICIAN_IDLE_MINUTES = 30
    client.force_login(clinician)
    assert client.get(reverse("team_patients")).status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("team_patients"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"])
    assert "signed out after 30 minutes" in page.content.decode()
    assert client.get(reverse("team_patients")).status_code == 302  # really signed out


def test_background_refreshes_do_not_keep_an_unattended_session_alive(settings, client, clinician):
    settings.TWO_FACTOR_REQUIRED = False
    client.force_login(clinician)
    client.get(reverse("team_patients"))
    session = client.session
    session["last_seen"] = stale = int(time.time()) - 10 * 60
    session.save()
    client.get(reverse("team_patients_fragment"), HTTP_X_REQUESTED_WITH="fetch")
    assert client.session["last_seen"] == stale
    client.get(reverse("team_patients"))
    assert client.session["last_seen"] > stale


def test_patients_are_not_timed_out(settings, client, patient):
    client.force_login(patient.user)
    client.get(reverse("checkin"))
    session = client.session
    session["last_seen"] = int(time.time()) - 24 * 3600
    session.save()
    assert client.get(reverse("checkin")).status_code == 200

"""The patient's Reminders page and the push-subscription endpoint, through HTTP."""

import json
from datetime import time

import pytest
from django.test import Client

from reminders.management.commands.vapid_keys import new_vapid_pair
from reminders.models import PushSubscription, ReminderPreference
from tests.reminders.push_service import Browser

URL = "/reminders/"
SUB_URL = "/reminders/push-subscription/"


@pytest.fixture
def vapid(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = new_vapid_pair()
    return settings.VAPID_PUBLIC_KEY


def subscription_json(endpoint="https://push.example.net/send/abc", browser=None):
    browser = browser or Browser()
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": browser.p256dh, "auth": browser.auth}}


def test_the_patient_reaches_reminders_from_the_navigation(patient_client):
    page = patient_client.get("/today/").content.decode()
    assert 'href="/reminders/"' in page


def test_the_page_offers_email_and_none_but_no_phone_notifications_without_vapid_keys(patient_client, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    page = patient_client.get(URL).content.decode()
    assert "An email" in page and "No reminder" in page
    assert "A notification on this phone" not in page and "push-subscribe.js" not in page


def test_with_vapid_keys_the_page_carries_the_public_key_for_the_browser(patient_client, vapid):
    page = patient_client.get(URL).content.decode()
    assert f'data-vapid-key="{vapid}"' in page and "push-subscribe.js" in page


def test_the_patient_saves_a_time_and_channel(patient_client, patient):
    patient.user.email = "ada@example.org"
    patient.user.save(update_fields=["email"])
    response = patient_client.post(URL, {"channel": "email", "time": "08:30", "email": ""})
    assert response.status_code == 302
    pref = ReminderPreference.objects.get(patient=patient)
    assert (pref.channel, pref.time, pref.email_address()) == ("email", time(8, 30), "ada@example.org")
    assert "08:30" in patient_client.get(URL).content.decode()


def test_email_reminders_without_any_address_are_refused_with_a_clear_message(patient_client, patient):
    response = patient_client.post(URL, {"channel": "email", "time": "08:30", "email": ""})
    assert response.status_code == 400
    assert "Enter the email address for your reminders." in response.content.decode()
    assert not ReminderPreference.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"channel": "email", "time": "25:99", "email": "a@example.org"},
        {"channel": "carrier-pigeon", "time": "08:00"},
        {"channel": "email", "time": "08:00", "email": "not an address"},
        {"channel": "push", "time": "08:00"},  # no VAPID keys in this test: push is not on offer
    ],
)
def test_bad_settings_get_a_400_not_a_500(patient_client, settings, data):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    assert patient_client.post(URL, data).status_code == 400
    assert not ReminderPreference.objects.exists()


def test_the_care_team_has_no_reminders_page(clinician_client):
    assert clinician_client.get(URL).status_code == 403
    assert clinician_client.post(SUB_URL, subscription_json(), content_type="application/json").status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(client):
    assert client.get(URL)["Location"].startswith("/login/")


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(URL)
    return client, client.cookies["csrftoken"].value


def test_the_browser_saves_its_subscription_with_the_csrf_token(patient, vapid):
    client, token = csrf_client(patient.user)
    body = json.dumps(subscription_json())
    refused = client.post(SUB_URL, body, content_type="application/json")
    assert refused.status_code == 403 and not PushSubscription.objects.exists()
    response = client.post(SUB_URL, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201
    saved = PushSubscription.objects.get()
    assert (saved.patient, saved.endpoint) == (patient, "https://push.example.net/send/abc")
    # Allowing notifications switches the reminder to them, keeping the chosen time.
    assert ReminderPreference.objects.get(patient=patient).channel == "push"
    # Subscribing again from the same browser updates its one row.
    again = client.post(SUB_URL, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert again.status_code == 201 and PushSubscription.objects.count() == 1


def test_the_browser_removes_its_own_subscription_and_nobody_elses(patient, other_patient, patient_client):
    mine = patient_client.post(SUB_URL, subscription_json("https://push.example.net/mine"), "application/json")
    assert mine.status_code == 201
    PushSubscription.objects.create(
        patient=other_patient, endpoint="https://push.example.net/theirs", p256dh="x", auth="y"
    )
    for endpoint in ("https://push.example.net/mine", "https://push.example.net/theirs"):
        response = patient_client.delete(SUB_URL, json.dumps({"endpoint": endpoint}), content_type="application/json")
        assert response.status_code == 200
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == ["https://push.example.net/theirs"]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        json.dumps({"endpoint": "https://push.example.net/x"}),
        json.dumps({**subscription_json(), "keys": "no"}),
        json.dumps({**subscription_json(), "endpoint": "http://push.example.net/plain"}),
        json.dumps({**subscription_json(), "endpoint": "file:///etc/passwd"}),
        json.dumps({**subscription_json(), "keys": {"p256dh": "AAAA", "auth": "AAAA"}}),
        json.dumps({**subscription_json(), "keys": {"p256dh": "!!not base64!!", "auth": "@@"}}),
        json.dumps({**subscription_json(), "endpoint": "https://push.example.net/" + "x" * 1100}),
    ],
)
def test_anything_but_a_browser_subscription_is_a_400(patient_client, body):
    response = patient_client.post(SUB_URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not PushSubscription.objects.exists()


def test_the_vapid_keys_command_prints_a_pair_that_belongs_together(capsys):
    from cryptography.hazmat.primitives import serialization
    from django.core.management import call_command
    from py_vapid import Vapid

    call_command("vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    vapid = Vapid.from_string(lines["VAPID_PRIVATE_KEY"])
    public = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    from tests.reminders.push_service import b64url

    assert b64url(public) == lines["VAPID_PUBLIC_KEY"] and len(public) == 65

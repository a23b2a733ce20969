"""Real Web Push: VAPID-signed, aes128gcm-encrypted, to a push service on 127.0.0.1.

Nothing is mocked between pywebpush and the socket: the stand-in service
verifies the signature and the "browser" decrypts with its own private key.
"""

from datetime import time

import pytest

from reminders.management.commands.vapid_keys import new_vapid_pair
from reminders.models import PushSubscription, ReminderSent
from reminders.services import push_subscription_save, reminder_send, reminders_queue
from tests.reminders.conftest import reminded_patient, utc
from tests.reminders.push_service import Browser, PushService, verify_vapid

NOW = utc("2026-06-10 18:00")  # 19:00 in London


@pytest.fixture
def vapid(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = new_vapid_pair()
    settings.VAPID_SUBJECT = "mailto:clinic@example.org"
    return settings.VAPID_PUBLIC_KEY


@pytest.fixture
def push_service():
    with PushService() as service:
        yield service


def subscribe(patient, push_service, name):
    browser = Browser()
    endpoint = push_service.endpoint(name)
    push_subscription_save(patient=patient, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth)
    return browser


def send_todays(now=NOW) -> list[str]:
    return [reminder_send(reminder_id=pk, now=now) for pk in reminders_queue(now=now)]


def test_the_push_reaches_the_service_signed_and_the_browser_decrypts_a_reminder_without_health_data(
    team_a, vapid, push_service
):
    patient = reminded_patient(team_a, "zebedee", "Europe/London", time(19, 0), channel="push")
    browser = subscribe(patient, push_service, "phone")
    assert send_todays() == ["sent"]
    [push] = push_service.received
    verify_vapid(push.headers["authorization"], vapid, expected_audience=push_service.origin)
    assert push.headers["content-encoding"] == "aes128gcm"
    assert int(push.headers["ttl"]) > 0
    assert b"check-in" not in push.body, "the body on the wire is encrypted"
    payload = browser.decrypt(push.body)
    assert payload["title"] == "Time for your MyeloTrack check-in"
    assert payload["url"] == "/checkin/"
    # Only fixed wording: no name, no scores, no symptoms.
    text = " ".join(str(value) for value in payload.values()).lower()
    for private in ("zebedee", "tester", "score", "total", "walking", "bladder", "numb", "pain", "of 18"):
        assert private not in text, private
    assert PushSubscription.objects.get().last_success_at is not None
    assert ReminderSent.objects.get().status == ReminderSent.Status.SENT


def test_a_subscription_the_push_service_calls_gone_is_removed_and_the_others_still_get_it(team_a, vapid, push_service):
    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0), channel="push")
    subscribe(patient, push_service, "old-tablet")
    phone = subscribe(patient, push_service, "phone")
    push_service.statuses["/push/old-tablet"] = 410
    assert send_todays() == ["sent"]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [push_service.endpoint("phone")]
    [phone_push] = [p for p in push_service.received if p.path == "/push/phone"]
    assert phone.decrypt(phone_push.body)["url"] == "/checkin/"


def test_when_the_only_subscription_is_gone_the_reminder_fails_and_says_why(team_a, vapid, push_service, caplog):
    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0), channel="push")
    subscribe(patient, push_service, "phone")
    push_service.statuses["/push/phone"] = 404
    assert send_todays() == ["failed"]
    assert not PushSubscription.objects.exists()
    row = ReminderSent.objects.get()
    assert row.status == ReminderSent.Status.FAILED
    assert "gone (HTTP 404)" in row.error
    assert "failed permanently" in caplog.text


def test_a_push_service_error_is_retried_later_not_dropped(team_a, vapid, push_service):
    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0), channel="push")
    browser = subscribe(patient, push_service, "phone")
    push_service.statuses["/push/phone"] = 503
    assert send_todays() == ["retry"]
    row = ReminderSent.objects.get()
    assert row.status == ReminderSent.Status.PENDING and row.next_attempt_at > NOW
    assert PushSubscription.objects.exists()
    # The service recovers; the next beat tick after the back-off sends it, once.
    push_service.statuses.clear()
    later = row.next_attempt_at
    from reminders.services import reminders_due_to_send

    assert reminders_due_to_send(now=later) == [row.pk]
    assert reminder_send(reminder_id=row.pk, now=later) == "sent"
    assert browser.decrypt(push_service.received[-1].body)["title"] == "Time for your MyeloTrack check-in"
    assert len(push_service.received) == 2


def test_an_unreachable_push_service_is_a_temporary_failure(team_a, vapid, push_service):
    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0), channel="push")
    subscribe(patient, push_service, "phone")
    push_service.server.shutdown()
    push_service.server.server_close()  # nothing listens on the port any more
    assert send_todays() == ["retry"]
    assert "unreachable" in ReminderSent.objects.get().error


def test_a_patient_who_chose_push_but_never_allowed_notifications_is_logged_as_failed(team_a, vapid):
    reminded_patient(team_a, "pat", "Europe/London", time(19, 0), channel="push")
    assert send_todays() == ["failed"]
    assert "No push subscription" in ReminderSent.objects.get().error


def test_the_missed_days_message_is_pushed_with_its_own_gentle_title(team_a, vapid, push_service):
    patient = reminded_patient(
        team_a, "pat", "Europe/London", time(19, 0), channel="push", enrolled_at=utc("2026-06-07 09:00")
    )
    browser = subscribe(patient, push_service, "phone")
    assert send_todays() == ["sent"]
    payload = browser.decrypt(push_service.received[0].body)
    assert payload["title"] == "We haven't heard from you"
    assert payload["url"] == "/checkin/"


def test_the_stand_in_push_service_refuses_a_header_signed_with_another_servers_key(team_a, vapid, push_service):
    # The VAPID check above must be able to fail, or it proves nothing.
    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0), channel="push")
    subscribe(patient, push_service, "phone")
    send_todays()
    other_public, _ = new_vapid_pair()
    header = push_service.received[0].headers["authorization"]
    with pytest.raises(AssertionError, match="another server"):
        verify_vapid(header, other_public, expected_audience=push_service.origin)
    forged = header.replace("k=" + vapid, "k=" + other_public)
    with pytest.raises(AssertionError, match="does not verify"):
        verify_vapid(forged, other_public, expected_audience=push_service.origin)

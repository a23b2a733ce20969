"""How a reminder reaches the patient: Web Push or email, behind one interface.

`send(reminder)` returns on success and raises DeliveryError (the alerts'
own, so a failure reads the same in logs) saying whether a retry could help.
No health data leaves the server: the text is the same for everyone and
only says that it is time to check in, with a link to the check-in page.
"""

import json
import logging
import smtplib

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from core.outbox import DeliveryError
from reminders.models import Channel, PushSubscription, ReminderSent

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_SECONDS = 10
# A reminder left undelivered for longer is no use: the push service drops it.
PUSH_TTL_SECONDS = 6 * 3600
# The push service's "this subscription is gone" answers (RFC 8030 section 7.3 and common practice).
GONE_STATUSES = (404, 410)

TEXTS = {
    ReminderSent.Kind.DAILY: (
        "Time for your MyeloTrack check-in",
        "It takes about a minute. Tap to open today's check-in.",
    ),
    ReminderSent.Kind.MISSED: (
        "We haven't heard from you",
        "We hope you are well. Tap to do today's check-in when you can.",
    ),
}


def checkin_path() -> str:
    return reverse("checkin")


def push_enabled() -> bool:
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def push_payload(kind: str) -> dict:
    title, body = TEXTS[kind]
    # A path, not a full URL: the service worker opens it on its own origin.
    return {"title": title, "body": body, "url": checkin_path(), "tag": "myelotrack-checkin"}


def _vapid() -> Vapid:
    key = settings.VAPID_PRIVATE_KEY.strip()
    if "-----BEGIN" in key:
        return Vapid.from_pem(key.encode())
    # Raw (32 bytes) or DER, base64url: what `manage.py vapid_keys` prints.
    return Vapid.from_string(key)


class PushChannel:
    name = Channel.PUSH

    def send(self, reminder: ReminderSent) -> None:
        if not push_enabled():
            raise DeliveryError("Web Push is not configured (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY).", permanent=True)
        subscriptions = list(PushSubscription.objects.filter(patient_id=reminder.patient_id))
        if not subscriptions:
            raise DeliveryError("No push subscription: the patient has not turned on notifications.", permanent=True)
        data = json.dumps(push_payload(reminder.kind), separators=(",", ":"))
        vapid = _vapid()
        delivered, temporary, errors = 0, False, []
        for subscription in subscriptions:
            try:
                webpush(
                    subscription.as_subscription_info(),
                    data=data,
                    vapid_private_key=vapid,
                    # A fresh dict each time: pywebpush writes aud and exp into it.
                    vapid_claims={"sub": settings.VAPID_SUBJECT},
                    ttl=PUSH_TTL_SECONDS,
                    timeout=PUSH_TIMEOUT_SECONDS,
                )
            except WebPushException as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in GONE_STATUSES:
                    # The browser unsubscribed or the subscription expired: it will never work again.
                    subscription.delete()
                    errors.append(f"subscription {subscription.pk} gone (HTTP {status}), removed")
                    continue
                # 429 and 5xx are the push service's bad moment; other 4xx are our fault and will not change.
                temporary = temporary or status is None or status == 429 or status >= 500
                errors.append(f"subscription {subscription.pk}: HTTP {status}")
            except requests.RequestException as exc:
                temporary = True
                errors.append(f"subscription {subscription.pk} unreachable: {exc.__class__.__name__}")
            else:
                delivered += 1
                PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())
        if errors:
            logger.warning("Reminder %s push: %s", reminder.pk, "; ".join(errors))
        if not delivered:
            raise DeliveryError("Push failed: " + "; ".join(errors), permanent=not temporary)


class EmailChannel:
    name = Channel.EMAIL

    def message(self, reminder: ReminderSent, address: str) -> EmailMessage:
        title, body = TEXTS[reminder.kind]
        text = "\n".join(
            [
                "Hello,",
                "",
                body.replace("Tap", "Follow this link"),
                "",
                settings.SITE_URL + checkin_path(),
                "",
                "You receive this because you asked MyeloTrack for a daily reminder.",
                "Change or stop it under Reminders after you log in.",
            ]
        )
        return EmailMessage(subject=title, body=text, to=[address])

    def send(self, reminder: ReminderSent) -> None:
        pref = getattr(reminder.patient, "reminder_pref", None)
        address = pref.email_address() if pref else ""
        if not address:
            raise DeliveryError("No email address for the reminder.", permanent=True)
        try:
            sent = self.message(reminder, address).send(fail_silently=False)
        except (OSError, TimeoutError) as exc:  # SMTP errors are OSError subclasses
            raise DeliveryError(
                f"Email failed: {exc}", permanent=isinstance(exc, smtplib.SMTPRecipientsRefused)
            ) from exc
        if sent != 1:
            raise DeliveryError("The email backend accepted no message.", permanent=False)


CHANNELS = {c.name: c for c in (PushChannel(), EmailChannel())}


def channel_for(name: str):
    try:
        return CHANNELS[name]
    except KeyError:
        raise DeliveryError(f"No reminder channel {name!r}", permanent=True) from None

"""Transports: one small class per channel behind one interface.

`send(delivery)` returns on success and raises DeliveryError otherwise; the
error says whether trying again could help (permanent=False) or not. The
task decides about retries, the channel only about the transport.
"""

import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from core.outbox import DeliveryError
from detection.scales import rule_label
from notifications.models import Alert, Delivery
from notifications.services import preference_for

SIGNATURE_HEADER = "X-MyeloTrack-Signature"
TIMESTAMP_HEADER = "X-MyeloTrack-Timestamp"
DELIVERY_HEADER = "X-MyeloTrack-Delivery"
WEBHOOK_TIMEOUT_SECONDS = 10


def alert_url(alert: Alert) -> str:
    return settings.SITE_URL + reverse("alert_detail", args=[alert.pk])


class Channel:
    name: str = ""

    def send(self, delivery: Delivery) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class InAppChannel(Channel):
    """The inbox shows every unresolved alert of the team; sending only records it as delivered."""

    name = Delivery.Channel.IN_APP

    def send(self, delivery: Delivery) -> None:
        return None


class EmailChannel(Channel):
    """A short email: severity, rule and a link. No scores, no names, no evidence in it.

    Email crosses systems we do not control, so the message says only that
    something needs looking at and where; the details stay behind the log-in.
    A decline alert also says how likely it is a real decline, in words and
    a rounded percentage: like the severity, it helps decide how soon to
    look, and it names no patient and no score.
    """

    name = Delivery.Channel.EMAIL

    def message(self, delivery: Delivery) -> EmailMessage:
        alert = delivery.alert
        escalated = " (escalated)" if delivery.escalation_level else ""
        subject = f"[MyeloTrack] {alert.get_severity_display()} alert{escalated}"
        body = "\n".join(
            [
                f"An alert needs attention{escalated}.",
                f"Severity: {alert.get_severity_display()}",
                f"Rule: {rule_label(alert.rule)}",
                *([f"How likely a real decline: {alert.likelihood}"] if alert.likelihood else []),
                f"Care team: {alert.patient.care_team.name}",
                "",
                f"Open it (log-in required): {alert_url(alert)}",
                "",
                "You receive this because of your MyeloTrack notification settings.",
            ]
        )
        return EmailMessage(subject=subject, body=body, to=[delivery.address])

    def send(self, delivery: Delivery) -> None:
        if not delivery.address:
            raise DeliveryError("No email address.", permanent=True)
        try:
            sent = self.message(delivery).send(fail_silently=False)
        except (OSError, TimeoutError) as exc:  # SMTP errors are OSError subclasses
            permanent = isinstance(exc, smtplib.SMTPRecipientsRefused)
            raise DeliveryError(f"Email failed: {exc}", permanent=permanent) from exc
        if sent != 1:
            raise DeliveryError("The email backend accepted no message.", permanent=False)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "{timestamp}.{body}", hex, as sent in X-MyeloTrack-Signature after "sha256="."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return mac.hexdigest()


def webhook_payload(delivery: Delivery) -> dict:
    alert = delivery.alert
    return {
        "event": "alert.escalated" if delivery.escalation_level else "alert.opened",
        "delivery_id": delivery.pk,
        "alert": {
            "id": alert.pk,
            "severity": alert.severity,
            "rule": alert.rule,
            "status": alert.status,
            "opened_at": alert.opened_at.isoformat(),
            "escalation_level": delivery.escalation_level,
            # 0-1 for a decline alert (detection/posterior.py), null for the others.
            "probability_real": alert.probability_real,
            "care_team": alert.patient.care_team.name,
            "url": alert_url(alert),
        },
    }


class WebhookChannel(Channel):
    """A JSON POST signed with HMAC-SHA256 (see docs/notifications.md for verification)."""

    name = Delivery.Channel.WEBHOOK

    def secret_for(self, delivery: Delivery) -> str:
        if delivery.recipient_id:
            return preference_for(delivery.recipient).webhook_secret
        return delivery.alert.patient.care_team.escalation_webhook_secret

    def send(self, delivery: Delivery) -> None:
        if not delivery.address:
            raise DeliveryError("No webhook URL.", permanent=True)
        if not delivery.address.lower().startswith(("https://", "http://")):
            # URLField also allows ftp://; urllib would follow file:// too. Only HTTP(S) is a webhook.
            raise DeliveryError("A webhook URL must start with https:// or http://.", permanent=True)
        secret = self.secret_for(delivery)
        if not secret:
            raise DeliveryError("No webhook secret configured; refusing to send unsigned.", permanent=True)
        body = json.dumps(webhook_payload(delivery), separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            delivery.address,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "MyeloTrack-Webhook/1",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: f"sha256={sign(secret, timestamp, body)}",
                DELIVERY_HEADER: str(delivery.pk),
            },
        )
        try:
            # bandit B310: the scheme is checked to be http(s) above.
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # nosec B310
                response.read(1024)
        except urllib.error.HTTPError as exc:
            # 4xx other than throttling/timeouts means the receiver rejects us: retrying will not help.
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 409, 425, 429)
            raise DeliveryError(f"Webhook answered HTTP {exc.code}", permanent=permanent) from exc
        except OSError as exc:  # URLError, timeouts and refused connections
            raise DeliveryError(f"Webhook unreachable: {exc}", permanent=False) from exc
        except ValueError as exc:  # malformed URL
            raise DeliveryError(f"Bad webhook URL: {exc}", permanent=True) from exc


CHANNELS: dict[str, Channel] = {c.name: c for c in (InAppChannel(), EmailChannel(), WebhookChannel())}


def channel_for(name: str) -> Channel:
    try:
        return CHANNELS[name]
    except KeyError:
        raise DeliveryError(f"Unknown channel {name!r}", permanent=True) from None

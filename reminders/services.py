"""Writes: preferences, push subscriptions, and queueing and sending reminders.

Sending follows the alert deliveries (notifications.tasks): a ReminderSent
row is written first (its unique constraints are the "at most once a day"),
then claimed with a conditional update (pending -> sending) before the
transport is touched, so a task that runs twice sends once.
"""

import base64
import binascii
import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.outbox import Outbox
from patients.models import Patient
from reminders.channels import channel_for, push_enabled
from reminders.models import Channel, PushSubscription, ReminderPreference, ReminderSent
from reminders.selectors import reminders_due
from tracker.models import CheckIn

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60
# A row left "sending" longer than a task may run belongs to a dead worker.
SENDING_LEASE = timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 60)


@transaction.atomic
def reminder_preference_update(*, patient: Patient, channel: str, time: time, email: str = "") -> ReminderPreference:
    pref, _ = ReminderPreference.objects.select_for_update().get_or_create(patient=patient)
    pref.channel, pref.time, pref.email = channel, time, email
    pref.full_clean()
    if pref.channel == Channel.PUSH and not push_enabled():
        raise ValidationError({"channel": "Phone notifications are not available on this server."})
    if pref.channel == Channel.EMAIL and not pref.email_address():
        raise ValidationError({"email": "Enter the email address for your reminders."})
    pref.save()
    return pref


def _b64url_bytes(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _check_keys(p256dh: str, auth: str) -> None:
    """A browser's keys: an uncompressed P-256 point (65 bytes) and a 16-byte secret (RFC 8291)."""
    try:
        point, secret = _b64url_bytes(p256dh), _b64url_bytes(auth)
    except (binascii.Error, ValueError):
        raise ValidationError({"keys": "The subscription keys are not base64url."}) from None
    if len(point) != 65 or point[0] != 4:
        raise ValidationError({"keys": "p256dh is not an uncompressed P-256 public key."})
    if len(secret) != 16:
        raise ValidationError({"keys": "auth must be 16 bytes."})


@transaction.atomic
def push_subscription_save(*, patient: Patient, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Save this browser's subscription for the patient; the same browser subscribing again updates its row."""
    _check_keys(p256dh, auth)
    existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    # A shared phone: the endpoint belongs to whoever subscribed on it last.
    subscription = existing or PushSubscription(endpoint=endpoint)
    subscription.patient, subscription.p256dh, subscription.auth = patient, p256dh, auth
    subscription.full_clean(validate_unique=existing is None)
    subscription.save()
    # Allowing notifications is asking for them: the reminders now come this way (at the time already chosen).
    pref, _ = ReminderPreference.objects.select_for_update().get_or_create(patient=patient)
    if pref.channel != Channel.PUSH:
        pref.channel = Channel.PUSH
        pref.save(update_fields=["channel", "updated_at"])
    return subscription


def push_subscription_delete(*, patient: Patient, endpoint: str) -> bool:
    deleted, _ = PushSubscription.objects.filter(patient=patient, endpoint=endpoint).delete()
    return bool(deleted)


def reminders_queue(*, now: datetime) -> list[int]:
    """Write a pending ReminderSent for every patient due one; returns the new rows' ids.

    A row the constraints refuse (another beat run, a second worker) is
    simply not created: that patient already has today's reminder.
    """
    created = []
    for due in reminders_due(now=now):
        try:
            with transaction.atomic():
                row = ReminderSent.objects.create(
                    patient_id=due.patient_id,
                    local_date=due.local_date,
                    kind=due.kind,
                    absence_since=due.absence_since,
                    channel=due.channel,
                    created_at=now,
                    next_attempt_at=now,
                )
        except IntegrityError:
            continue
        created.append(row.pk)
    return created


def _skip_reason(reminder: ReminderSent, now: datetime) -> str:
    patient = reminder.patient
    if patient.local_today(now) != reminder.local_date:
        return "the patient's day was over before it could be sent"
    if CheckIn.objects.filter(patient=patient, date=reminder.local_date).exists():
        return "checked in before the reminder went out"
    pref = getattr(patient, "reminder_pref", None)
    if pref is None or pref.channel == Channel.NONE:
        return "reminders turned off before sending"
    return ""


def _load_reminder(reminder_id: int) -> ReminderSent:
    return ReminderSent.objects.select_related("patient__user", "patient__reminder_pref").get(pk=reminder_id)


def _send_reminder(reminder: ReminderSent) -> None:
    channel_for(reminder.channel).send(reminder)


def _backoff_seconds(attempt: int) -> int:
    # The beat task picks the row up again when next_attempt_at has passed.
    return RETRY_BASE_SECONDS * 2 ** (attempt - 1)


OUTBOX = Outbox(
    model=ReminderSent,
    error_field="error",
    max_attempts=MAX_ATTEMPTS,
    backoff=_backoff_seconds,
    lease=SENDING_LEASE,
    label="Reminder",
)


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str:
    """Send one reminder at most once; returns what happened (sent, retry, failed, skipped, not-due-or-taken)."""
    now = now or timezone.now()
    return OUTBOX.send_once(
        reminder_id,
        now=now,
        load=_load_reminder,
        skip_reason=lambda reminder: _skip_reason(reminder, now),
        send=_send_reminder,
    )


def reminders_due_to_send(*, now: datetime, limit: int = 500) -> list[int]:
    """Pending reminders whose attempt is due, after returning dead workers' claims to pending."""
    return OUTBOX.due(now=now, limit=limit)

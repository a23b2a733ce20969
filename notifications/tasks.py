"""Celery entry points for sending, redelivering and escalating alerts.

deliver_task claims a Delivery with a conditional update (pending -> sending)
before it touches the transport, so two copies of the task (a redelivery
sweep racing the original message, a broker redelivering after a lost ack)
send once. A temporary failure puts the row back to pending with an
exponentially growing next_attempt_at and enqueues a retry for that time.
"""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.outbox import Outbox
from notifications.channels import channel_for
from notifications.models import Alert, Delivery
from notifications.services import ESCALATING, alert_escalate, enqueue_deliveries, escalation_due_at

logger = logging.getLogger(__name__)

# Backoff: base * 2**(attempt-1), capped; tests shrink the base via the environment.
RETRY_BASE_SECONDS = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
RETRY_MAX_SECONDS = 3600
MAX_ATTEMPTS = 8
# A row left "sending" longer than a task may run belongs to a dead worker.
SENDING_LEASE = timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 60)


def backoff_seconds(attempt: int) -> int:
    return min(RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0), RETRY_MAX_SECONDS)


def _skip_reason(delivery: Delivery) -> str:
    alert = delivery.alert
    if alert.status == Alert.Status.RESOLVED:
        return "alert resolved before sending"
    if delivery.escalation_level and alert.status != Alert.Status.OPEN:
        return "alert acknowledged before the escalation went out"
    return ""


def _load(delivery_id: int) -> Delivery:
    return Delivery.objects.select_related("alert__patient__care_team", "recipient").get(pk=delivery_id)


def _send(delivery: Delivery) -> None:
    channel_for(delivery.channel).send(delivery)


def _enqueue_retry(delivery: Delivery, delay: int) -> None:
    try:
        deliver_task.apply_async(args=[delivery.pk], countdown=delay)
    except Exception as publish_error:  # the sweep picks it up when the broker is back
        logger.warning("Could not enqueue the retry of delivery %s: %s", delivery.pk, publish_error)


OUTBOX = Outbox(
    model=Delivery,
    error_field="last_error",
    max_attempts=MAX_ATTEMPTS,
    backoff=backoff_seconds,
    lease=SENDING_LEASE,
    label="Delivery",
)


@shared_task(name="notifications.tasks.deliver_task", acks_late=True)
def deliver_task(delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery at most once; returns what happened (for logs and tests)."""
    return OUTBOX.send_once(
        delivery_id,
        now=now or timezone.now(),
        load=_load,
        skip_reason=_skip_reason,
        send=_send,
        on_retry=_enqueue_retry,
    )


@shared_task(name="notifications.tasks.redeliver_pending_task")
def redeliver_pending_task(now: datetime | None = None) -> int:
    """Re-enqueue deliveries that are due: never enqueued (broker down), held by quiet hours,
    whose retry message was lost, or stuck "sending" past the lease (worker died)."""
    ids = OUTBOX.due(now=now or timezone.now())
    if ids:
        published = enqueue_deliveries(ids)
        logger.info("Re-enqueued %d of %d due deliveries", published, len(ids))
        return published
    return 0


@shared_task(name="notifications.tasks.escalate_overdue_task")
def escalate_overdue_task(now: datetime | None = None) -> int:
    """Escalate open urgent/high alerts past their team's time; returns how many escalated."""
    now = now or timezone.now()
    # Each team sets its own delay, so the due check is per alert; the index
    # alert_escalation_idx (status, opened_at) keeps this scan to open alerts.
    candidates = (
        Alert.objects.filter(
            status=Alert.Status.OPEN, escalation_level=0, severity__in=list(ESCALATING), opened_at__lte=now
        )
        .select_related("patient__care_team")
        .order_by("opened_at")
    )
    escalated = 0
    for alert in candidates.iterator(chunk_size=500):
        due = escalation_due_at(alert, alert.patient.care_team)
        if due is not None and due <= now and alert_escalate(alert=alert, now=now):
            escalated += 1
    return escalated

"""Celery entry points: the minute-by-minute reminder sweep and the sending of one reminder.

`now` is for tests and replays with a controlled clock; JSON carries it as
ISO-8601 text. Beat passes nothing and the real clock is used.
"""

import logging
from datetime import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from reminders.services import reminder_send, reminders_due_to_send, reminders_queue

logger = logging.getLogger(__name__)


def _now(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else timezone.now()


@shared_task(name="reminders.tasks.send_due_reminders_task")
def send_due_reminders_task(now: str | None = None) -> int:
    """Queue today's reminders for everyone due one, then enqueue every pending send; returns how many."""
    moment = _now(now)
    created = reminders_queue(now=moment)
    ids = reminders_due_to_send(now=moment)
    if created:
        logger.info("Queued %d reminder(s)", len(created))
    for reminder_id in ids:
        # After commit, so the worker finds the row (beat runs outside a transaction: at once).
        transaction.on_commit(lambda pk=reminder_id: reminder_send_task.delay(pk, now=now))
    return len(ids)


@shared_task(name="reminders.tasks.reminder_send_task", acks_late=True)
def reminder_send_task(reminder_id: int, now: str | None = None) -> str:
    return reminder_send(reminder_id=reminder_id, now=_now(now))

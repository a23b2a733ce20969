"""Send-once outbox rows: the one driver behind alert deliveries and reminders.

A message to send is first a database row (pending). Whoever sends it claims
the row with a conditional update (pending -> sending) before touching the
transport, so two copies of a task (a redelivery sweep racing the original
message, a broker redelivering after a lost acknowledgement) send it once. A
temporary failure puts the row back to pending with a growing
``next_attempt_at``; a permanent one, or running out of attempts, marks it
failed. A row left "sending" past the lease belonged to a worker that died
and goes back to pending.

The rows' models differ (an alert's delivery, a patient's reminder), so the
driver takes the model and the name of its error field; each model has the
same five statuses (pending, sending, sent, failed, skipped) and the fields
``attempts``, ``next_attempt_at`` and ``sent_at``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Model
from django.utils import timezone

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A transport refused a message; ``permanent`` says whether trying again can help."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outbox:
    model: type[Model]
    error_field: str
    max_attempts: int
    backoff: Callable[[int], int]  # seconds to wait after the n-th failed attempt
    lease: timedelta
    label: str  # names the rows in log lines

    def send_once(
        self,
        pk: int,
        *,
        now: datetime,
        load: Callable[[int], Any],
        skip_reason: Callable[[Any], str],
        send: Callable[[Any], None],
        on_retry: Callable[[Any, int], None] | None = None,
    ) -> str:
        """Claim, check, send and record one row; returns what happened
        (sent, retry, failed, skipped or not-due-or-taken)."""
        status = self.model.Status
        rows = self.model.objects.filter(pk=pk)
        claimed = rows.filter(status=status.PENDING, next_attempt_at__lte=now).update(
            status=status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + self.lease
        )
        if not claimed:
            return "not-due-or-taken"
        row = load(pk)
        reason = skip_reason(row)
        if reason:
            rows.update(status=status.SKIPPED, **{self.error_field: reason})
            return "skipped"
        try:
            send(row)
        except DeliveryError as exc:
            return self._failed(row, exc, now, on_retry)
        # Only a row still ours: a lease that ran out may have handed it on.
        rows.filter(status=status.SENDING).update(status=status.SENT, sent_at=timezone.now(), **{self.error_field: ""})
        return "sent"

    def _failed(self, row: Any, exc: DeliveryError, now: datetime, on_retry) -> str:
        status = self.model.Status
        rows = self.model.objects.filter(pk=row.pk)
        error = str(exc)[:500]
        if exc.permanent or row.attempts >= self.max_attempts:
            rows.update(status=status.FAILED, **{self.error_field: error})
            logger.error("%s %s failed permanently after %s attempt(s): %s", self.label, row.pk, row.attempts, error)
            return "failed"
        delay = self.backoff(row.attempts)
        rows.update(status=status.PENDING, next_attempt_at=now + timedelta(seconds=delay), **{self.error_field: error})
        logger.warning("%s %s attempt %s failed, retry in %ss: %s", self.label, row.pk, row.attempts, delay, error)
        if on_retry is not None:
            on_retry(row, delay)
        return "retry"

    def due(self, *, now: datetime, limit: int = 500) -> list[int]:
        """Pending rows whose attempt is due, after returning dead workers' claims to pending."""
        status = self.model.Status
        self.model.objects.filter(status=status.SENDING, next_attempt_at__lte=now).update(status=status.PENDING)
        return list(
            self.model.objects.filter(status=status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )

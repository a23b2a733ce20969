"""Writes about alerts. Detection opens and closes episodes only through here."""

from datetime import date as date_type

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Alert, AlertEvent
from patients.models import Patient


@transaction.atomic
def alert_open(
    *,
    patient: Patient,
    rule: str,
    severity: str,
    date: date_type,
    evidence: str,
    evidence_data: dict | None = None,
) -> tuple[Alert, bool]:
    """Open an episode of `rule` for `patient` unless one is already unresolved.

    Returns (alert, created). The partial unique constraint makes this safe
    when two workers evaluate the same patient at once.
    """
    existing = Alert.objects.filter(patient=patient, rule=rule).exclude(status=Alert.Status.RESOLVED).first()
    if existing:
        return existing, False
    alert = Alert(
        patient=patient,
        rule=rule,
        severity=severity,
        date=date,
        evidence=evidence[:300],
        evidence_data=evidence_data or {},
    )
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        return Alert.objects.get(
            patient=patient, rule=rule, status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED]
        ), False
    AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.OPENED, detail=alert.evidence)
    return alert, True


@transaction.atomic
def alert_close_automatically(*, alert: Alert, outcome: str, detail: str) -> bool:
    """Close an unresolved episode as recovered or re-baselined; False if already resolved."""
    now = timezone.now()
    claimed = (
        Alert.objects.filter(pk=alert.pk)
        .exclude(status=Alert.Status.RESOLVED)
        .update(status=Alert.Status.RESOLVED, resolved_at=now, outcome=outcome, resolution_note=detail[:2000])
    )
    if claimed:
        AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.AUTO_CLOSED, detail=detail[:300])
    return bool(claimed)

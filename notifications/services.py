"""Writes about alerts. Detection opens and closes episodes only through here.

Lifecycle: open -> acknowledged (someone is on it) -> resolved (with an
outcome). Every change records an AlertEvent with who and when. Opening an
alert also writes its Delivery rows in the same transaction and enqueues the
sending after commit, so a broker outage delays an alert but cannot lose it
(notifications.tasks.redeliver_pending_task picks up what was not enqueued).
"""

import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as date_type
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from audit.services import audit_change
from core.bulk import copy_rows, new_rows
from notifications.models import (
    CONTACT_KINDS,
    SEVERITY_RANK,
    Alert,
    AlertEvent,
    Delivery,
    NotificationPreference,
    Severity,
)
from patients.models import CareTeam, CareTeamMembership, Patient, User

logger = logging.getLogger(__name__)

# Alert lifecycle ----------------------------------------------------------


@transaction.atomic
def alert_open(
    *,
    patient: Patient,
    rule: str,
    severity: str,
    date: date_type,
    evidence: str,
    evidence_data: dict | None = None,
    now: datetime | None = None,
    deliver: bool = True,
) -> tuple[Alert, bool]:
    """Open an episode of `rule` for `patient` unless one is already unresolved.

    Returns (alert, created). The partial unique constraint makes this safe
    when two workers evaluate the same patient at once. A new alert gets its
    Delivery rows in the same transaction; sending is enqueued after commit.
    ``deliver=False`` leaves the deliveries to the caller (alert_deliver):
    an evaluation that may close the episode again in the same pass writes
    them only for the episodes still open at its end.
    """
    existing = Alert.objects.filter(patient=patient, rule=rule).exclude(status=Alert.Status.RESOLVED).first()
    if existing:
        return existing, False
    now = now or timezone.now()
    alert = Alert(
        patient=patient,
        rule=rule,
        severity=severity,
        date=date,
        evidence=evidence[:300],
        evidence_data=evidence_data or {},
        opened_at=now,
    )
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        return Alert.objects.get(
            patient=patient, rule=rule, status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED]
        ), False
    AlertEvent.objects.create(alert=alert, kind=AlertEvent.Kind.OPENED, detail=alert.evidence, at=now)
    if deliver:
        alert_deliver(alert=alert)
    return alert, True


def alert_deliver(*, alert: Alert) -> list[Delivery]:
    """Write a new alert's Delivery rows as of its opening and enqueue those due after commit."""
    deliveries = deliveries_create(
        alert=alert, targets=initial_targets(alert=alert, now=alert.opened_at), now=alert.opened_at
    )
    enqueue_deliveries_on_commit(deliveries)
    return deliveries


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


@dataclass
class Episode:
    """An alert episode a batch evaluation found in a patient's history, and its end if it ended.

    What alert_open and then alert_close_automatically would have recorded,
    handed over in one piece so that a batch writes its episodes in a few
    statements (alerts_record_episodes).
    """

    patient: Patient
    rule: str
    severity: str
    date: date_type
    evidence: str
    evidence_data: dict
    close_outcome: str = ""
    close_detail: str = ""
    alert_id: int | None = None  # set by alerts_record_episodes


def clinicians_by_team(team_ids: Iterable[int]) -> dict[int, list[User]]:
    """Each team's active clinicians with their preferences, by pk: one query for any number of teams."""
    by_team: dict[int, list[User]] = {team_id: [] for team_id in team_ids}
    if not by_team:
        return by_team
    seen: set[tuple[int, int]] = set()
    memberships = (
        CareTeamMembership.objects.filter(team_id__in=by_team, user__role=User.Role.CLINICIAN, user__is_active=True)
        .select_related("user__notification_pref")
        .order_by("user_id")
    )
    for m in memberships:
        # As team_clinicians(team).distinct(): one entry per clinician and team.
        if (m.team_id, m.user_id) not in seen:
            seen.add((m.team_id, m.user_id))
            by_team[m.team_id].append(m.user)
    return by_team


def alerts_record_episodes(*, episodes: list[Episode], now: datetime | None = None) -> list[int]:
    """Write a batch's new episodes, their events and their deliveries with one COPY each; returns the alerts' pks.

    The rows are those alert_open followed (for an episode that has ended) by
    alert_close_automatically would write, without a query per alert for the
    team's clinicians or a savepoint per row (core.bulk.copy_rows: COPY on
    PostgreSQL, where a first sweep's INSERTs spent more time having their
    values quoted than the database spent writing them). The caller (tracker.evaluation)
    has checked, under the patients' row locks, that none collides with an
    unresolved alert; one opened meanwhile outside those locks (a red flag in
    a check-in request) raises IntegrityError, and the caller rolls back to
    its savepoint and records one by one.

    An episode that also ended in this evaluation (``close_outcome``) gets no
    deliveries and nothing is enqueued for it: it is already resolved, so
    deliver_task would skip every row at send time, and nobody is to be told
    of an episode that opened and closed in the history (a first sweep at
    deployment records a year of them). Its alert and its two events are
    recorded as before.

    Every row is a plain list of the model's field values (core.bulk.new_rows),
    not a model instance: a first sweep at deployment writes about 30,000
    alerts, 60,000 events and (with three clinicians) 40,000 deliveries for
    10,000 patients, and an instance each cost more than writing it.
    """
    if not episodes:
        return []
    now = now or timezone.now()
    alert_ids = copy_rows(
        Alert,
        new_rows(
            Alert,
            _EPISODE_FIELDS,
            (_episode_values(ep, now) for ep in episodes),
            opened_at=now,
        ),
    )
    for ep, pk in zip(episodes, alert_ids, strict=True):
        ep.alert_id = pk
    # Opened, and closed again for those that ended; nothing refers to
    # events, so their pks are the column's own.
    event_values = []
    for ep in episodes:
        event_values.append((ep.alert_id, AlertEvent.Kind.OPENED, ep.evidence[:300]))
        if ep.close_outcome:
            event_values.append((ep.alert_id, AlertEvent.Kind.AUTO_CLOSED, ep.close_detail[:300]))
    copy_rows(AlertEvent, new_rows(AlertEvent, ("alert_id", "kind", "detail"), event_values, at=now), pks=False)
    clinicians = clinicians_by_team({ep.patient.care_team_id for ep in episodes})
    # The targets depend on the team and the severity only (and ``now``, the
    # same for all): one set of delivery values each, the alert's pk put in.
    values_for: dict[tuple[int, str], list[dict]] = {}
    delivery_values, due = [], []
    for ep in episodes:
        if ep.close_outcome:
            continue
        key = (ep.patient.care_team_id, ep.severity)
        if key not in values_for:
            values_for[key] = [
                _delivery_values(0, target, now)
                for target in targets_for(severity=ep.severity, now=now, clinicians=clinicians[key[0]])
            ]
        for values in values_for[key]:
            delivery_values.append([ep.alert_id if name == "alert_id" else values[name] for name in values])
            due.append(values["next_attempt_at"])
    names = tuple(_delivery_values(0, Target(Delivery.Channel.IN_APP), now))
    delivery_ids = copy_rows(Delivery, new_rows(Delivery, names, delivery_values))
    _enqueue_due_on_commit(zip(delivery_ids, due, strict=True))
    return alert_ids


# What alerts_record_episodes' rows take from each Episode; the other fields
# are the model's defaults and opened_at.
_EPISODE_FIELDS = (
    "patient_id",
    "rule",
    "severity",
    "severity_rank",
    "date",
    "evidence",
    "evidence_data",
    "status",
    "resolved_at",
    "outcome",
    "resolution_note",
)


def _episode_values(ep: Episode, now: datetime) -> tuple:
    """An Episode's Alert values, as alert_open (and alert_close_automatically for one that ended) store them."""
    closed = bool(ep.close_outcome)
    return (
        ep.patient.pk,
        ep.rule,
        ep.severity,
        # Alert.save() derives it; rows written without a model instance must too.
        SEVERITY_RANK[ep.severity],
        ep.date,
        ep.evidence[:300],
        ep.evidence_data or {},
        Alert.Status.RESOLVED if closed else Alert.Status.OPEN,
        now if closed else None,
        ep.close_outcome,
        ep.close_detail[:2000] if closed else "",
    )


def _locked(alert: Alert) -> Alert:
    # Row lock so two clinicians tapping at once serialise (SQLite ignores it
    # but serialises writers anyway).
    return Alert.objects.select_for_update().select_related("patient").get(pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user: User, now: datetime | None = None) -> Alert:
    """Mark the alert as being handled by `user`. Idempotent when already acknowledged."""
    now = now or timezone.now()
    current = _locked(alert)
    if current.status == Alert.Status.RESOLVED:
        raise ValidationError({"status": "This alert is already resolved."})
    if current.status == Alert.Status.ACKNOWLEDGED:
        return current
    current.status = Alert.Status.ACKNOWLEDGED
    current.acknowledged_at = now
    current.acknowledged_by = user
    current.full_clean()
    current.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "severity_rank"])
    AlertEvent.objects.create(alert=current, kind=AlertEvent.Kind.ACKNOWLEDGED, actor=user, at=now)
    audit_change(
        user=user, patient_id=current.patient_id, what="alert", detail={"alert": current.pk, "did": "acknowledge"}
    )
    return current


@transaction.atomic
def alert_resolve(*, alert: Alert, user: User, outcome: str, note: str = "", now: datetime | None = None) -> Alert:
    """Close the episode with a clinical outcome and an optional note."""
    if outcome not in Alert.Outcome.values:
        raise ValidationError({"outcome": f"{outcome!r} is not a valid outcome."})
    if outcome in Alert.AUTOMATIC_OUTCOMES:
        raise ValidationError({"outcome": f"{outcome!r} is set by detection only; choose what you did."})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": "Keep the note under 2000 characters."})
    now = now or timezone.now()
    current = _locked(alert)
    if current.status == Alert.Status.RESOLVED:
        raise ValidationError({"status": "This alert is already resolved."})
    if current.acknowledged_at is None:
        # Resolving implies someone looked at it; escalation must stop.
        current.acknowledged_at = now
        current.acknowledged_by = user
    current.status = Alert.Status.RESOLVED
    current.resolved_at = now
    current.resolved_by = user
    current.outcome = outcome
    current.resolution_note = note
    current.full_clean()
    current.save()
    detail = current.get_outcome_display() + (f": {note}" if note else "")
    AlertEvent.objects.create(alert=current, kind=AlertEvent.Kind.RESOLVED, actor=user, at=now, detail=detail[:300])
    audit_change(user=user, patient_id=current.patient_id, what="alert", detail={"alert": current.pk, "did": "resolve"})
    return current


@transaction.atomic
def alert_assign(*, alert: Alert, user: User, assignee: User, now: datetime | None = None) -> Alert:
    """Give the alert to `assignee`, who must be a clinician of the patient's care team."""
    now = now or timezone.now()
    current = _locked(alert)
    if current.status == Alert.Status.RESOLVED:
        raise ValidationError({"status": "This alert is already resolved."})
    if not team_clinicians(current.patient.care_team_id).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": "Choose a clinician of this patient's care team."})
    if current.assigned_to_id == assignee.pk:
        return current
    current.assigned_to = assignee
    current.full_clean()
    current.save(update_fields=["assigned_to", "severity_rank"])
    AlertEvent.objects.create(
        alert=current, kind=AlertEvent.Kind.ASSIGNED, actor=user, at=now, detail=f"Assigned to {assignee.display_name}"
    )
    audit_change(user=user, patient_id=current.patient_id, what="alert", detail={"alert": current.pk, "did": "assign"})
    return current


@transaction.atomic
def alert_contact_log(*, alert: Alert, user: User, outcome: str, now: datetime | None = None) -> AlertEvent:
    """Record one try to reach the patient about this alert ("Called, no answer", ...).

    A try on an open alert also acknowledges it: whoever is phoning the
    patient is on it, and escalating past them would wake someone else for
    nothing. Resolved alerts take entries too (a call back after closing).
    """
    if outcome not in CONTACT_KINDS:
        labels = ", ".join(str(AlertEvent.Kind(kind).label) for kind in CONTACT_KINDS)
        raise ValidationError({"outcome": f"Choose one of: {labels}."})
    now = now or timezone.now()
    current = _locked(alert)
    if current.status == Alert.Status.OPEN:
        alert_acknowledge(alert=current, user=user, now=now)
    event = AlertEvent.objects.create(alert=current, kind=outcome, actor=user, at=now)
    audit_change(
        user=user,
        patient_id=current.patient_id,
        what="alert",
        detail={"alert": current.pk, "did": f"contact:{outcome}"},
    )
    return event


# Escalation -----------------------------------------------------------------

ESCALATING = {Severity.URGENT: "urgent_escalation_minutes", Severity.HIGH: "high_escalation_minutes"}


def escalation_due_at(alert: Alert, team: CareTeam) -> datetime | None:
    field = ESCALATING.get(alert.severity)
    if field is None:
        return None
    return alert.opened_at + timedelta(minutes=getattr(team, field))


@transaction.atomic
def alert_escalate(*, alert: Alert, now: datetime | None = None) -> bool:
    """Escalate an unacknowledged alert once: every clinician of the team and the team's contact.

    Returns False when someone acknowledged it meanwhile, it was already
    escalated, or it is not due yet. The conditional update is the claim, so
    two sweeps running at once escalate once.
    """
    now = now or timezone.now()
    team = alert.patient.care_team  # the sweep select_related()s it: no query per alert
    due = escalation_due_at(alert, team)
    if due is None or due > now:
        return False
    claimed = Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN, escalation_level=0).update(
        escalation_level=1, escalated_at=now
    )
    if not claimed:
        return False
    alert.refresh_from_db()
    targets = escalation_targets(alert=alert, team=team)
    deliveries = deliveries_create(alert=alert, targets=targets, now=now, level=1)
    minutes = int((now - alert.opened_at).total_seconds() // 60)
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEvent.Kind.ESCALATED,
        at=now,
        detail=f"Not acknowledged after {minutes} min: sent to {len(deliveries)} recipient channel(s)",
    )
    enqueue_deliveries_on_commit(deliveries)
    return True


# Who hears about an alert ---------------------------------------------------


@dataclass(frozen=True)
class Target:
    channel: str
    recipient: User | None = None
    address: str = ""
    not_before: datetime | None = None


def team_clinicians(team_id: int):
    return User.objects.filter(memberships__team_id=team_id, role=User.Role.CLINICIAN, is_active=True).distinct()


def preference_for(user: User) -> NotificationPreference:
    """The stored preference, or the model defaults (unsaved) for a clinician who never set any."""
    try:
        return user.notification_pref
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def severity_at_least(severity: str, minimum: str) -> bool:
    return SEVERITY_RANK[severity] <= SEVERITY_RANK[minimum]


def quiet_until(pref: NotificationPreference, now: datetime) -> datetime | None:
    """End of the clinician's quiet hours when `now` falls inside them, else None."""
    if pref.quiet_start is None or pref.quiet_end is None or pref.quiet_start == pref.quiet_end:
        return None
    tz = ZoneInfo(pref.timezone or "UTC")
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    start, end = pref.quiet_start, pref.quiet_end
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz)


def initial_targets(*, alert: Alert, now: datetime, clinicians: Iterable[User] | None = None) -> list[Target]:
    """Each clinician of the team: in-app always; email and webhook by their preferences.

    Quiet hours delay email and webhook for anything but urgent alerts; the
    in-app inbox is never held back. `clinicians` (the team's, by pk, with
    their preferences) saves the query when a batch opens many alerts.
    """
    if clinicians is None:
        clinicians = team_clinicians(alert.patient.care_team_id).select_related("notification_pref").order_by("pk")
    return targets_for(severity=alert.severity, now=now, clinicians=clinicians)


def targets_for(*, severity: str, now: datetime, clinicians: Iterable[User]) -> list[Target]:
    """initial_targets for an alert of ``severity``: they depend on nothing else of the alert."""
    targets: list[Target] = []
    for user in clinicians:
        pref = preference_for(user)
        targets.append(Target(Delivery.Channel.IN_APP, recipient=user))
        hold = None if severity == Severity.URGENT else quiet_until(pref, now)
        if pref.email_enabled and user.email and severity_at_least(severity, pref.email_min_severity):
            targets.append(Target(Delivery.Channel.EMAIL, recipient=user, address=user.email, not_before=hold))
        if pref.webhook_url and severity_at_least(severity, pref.webhook_min_severity):
            targets.append(Target(Delivery.Channel.WEBHOOK, recipient=user, address=pref.webhook_url, not_before=hold))
    return targets


def escalation_targets(*, alert: Alert, team: CareTeam) -> list[Target]:
    """Everyone, regardless of severity filters and quiet hours, plus the team's escalation contact."""
    targets: list[Target] = []
    for user in team_clinicians(team.pk).select_related("notification_pref").order_by("pk"):
        pref = preference_for(user)
        targets.append(Target(Delivery.Channel.IN_APP, recipient=user))
        if user.email:
            targets.append(Target(Delivery.Channel.EMAIL, recipient=user, address=user.email))
        if pref.webhook_url:
            targets.append(Target(Delivery.Channel.WEBHOOK, recipient=user, address=pref.webhook_url))
    if team.escalation_contact_email:
        targets.append(Target(Delivery.Channel.EMAIL, address=team.escalation_contact_email))
    if team.escalation_contact_webhook:
        targets.append(Target(Delivery.Channel.WEBHOOK, address=team.escalation_contact_webhook))
    return targets


def _delivery_values(alert_id: int, target: Target, now: datetime, level: int = 0) -> dict:
    """A new Delivery's own values by attribute name (the rest are the model's defaults)."""
    return {
        "alert_id": alert_id,
        "recipient_id": target.recipient.pk if target.recipient else None,
        "address": target.address,
        "channel": target.channel,
        "escalation_level": level,
        "created_at": now,
        "next_attempt_at": target.not_before or now,
    }


def _delivery(alert: Alert, target: Target, now: datetime, level: int = 0) -> Delivery:
    return Delivery(**_delivery_values(alert.pk, target, now, level))


def deliveries_create(*, alert: Alert, targets: Iterable[Target], now: datetime, level: int = 0) -> list[Delivery]:
    rows = [_delivery(alert, t, now, level) for t in targets]
    # The unique constraint backs "never the same message twice"; bulk_create
    # returns the pks on PostgreSQL and SQLite >= 3.35 alike.
    Delivery.objects.bulk_create(rows)
    return rows


# Enqueueing -----------------------------------------------------------------


def enqueue_deliveries_on_commit(deliveries: Iterable[Delivery]) -> None:
    """After commit, enqueue the deliveries that are due now.

    A broker failure is logged and swallowed: the alert and its rows are
    already committed, and the periodic redelivery sweep sends them later.
    Held rows (quiet hours) wait for the sweep too.
    """
    _enqueue_due_on_commit((d.pk, d.next_attempt_at) for d in deliveries)


def _enqueue_due_on_commit(pks_and_times: Iterable[tuple[int | None, datetime]]) -> None:
    """enqueue_deliveries_on_commit for (pk, next_attempt_at) pairs."""
    now = timezone.now()
    ids = [pk for pk, next_attempt_at in pks_and_times if pk and next_attempt_at <= now]
    if ids:
        transaction.on_commit(lambda: enqueue_deliveries(ids))


def enqueue_deliveries(ids: list[int]) -> int:
    """Publish deliver_task for each id; stop at the first broker error. Returns how many were published."""
    # Imported here: notifications.tasks imports this module (service -> task -> service).
    from notifications.tasks import deliver_task

    published = 0
    for pk in ids:
        try:
            deliver_task.apply_async(
                args=[pk], retry=True, retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
            )
        except (KombuOperationalError, OSError) as exc:
            logger.warning(
                "Broker unavailable, %d deliveries left for the redelivery sweep: %s", len(ids) - published, exc
            )
            break
        published += 1
    return published


# Preferences ----------------------------------------------------------------

PREFERENCE_FIELDS = (
    "email_enabled",
    "email_min_severity",
    "webhook_url",
    "webhook_secret",
    "webhook_min_severity",
    "quiet_start",
    "quiet_end",
    "timezone",
)


@transaction.atomic
def preference_update(*, user: User, **values) -> NotificationPreference:
    """Create or change a clinician's notification preference; unknown keys are refused."""
    unknown = set(values) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a preference." for name in sorted(unknown)})
    pref, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    for name, value in values.items():
        setattr(pref, name, value)
    if pref.timezone not in _zones():
        raise ValidationError({"timezone": f"{pref.timezone!r} is not a known time zone."})
    if pref.webhook_url and not pref.webhook_secret:
        raise ValidationError({"webhook_secret": "A webhook needs a secret."})  # nosec B105
    pref.full_clean()
    pref.save()
    return pref


def _zones() -> set[str]:
    return zoneinfo.available_timezones()

"""Which patients are due a reminder at a given instant.

Every rule is about the patient's own wall clock: "19:00" is 19:00 where
they live on the day the clocks change too. zoneinfo does the arithmetic; on
the spring-forward day a time inside the skipped hour is reached at the first
instant after it, on the autumn day the first of the two 01:30s counts (the
one-reminder-per-day constraint refuses the second).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Max

from reminders.models import Channel, ReminderPreference, ReminderSent
from tracker.models import CheckIn

# The "we haven't heard from you" message goes out when this many whole local
# days in a row had no check-in (today, still open, does not count).
MISSED_DAYS = 2


@dataclass(frozen=True)
class DueReminder:
    patient_id: int
    local_date: date
    kind: str
    channel: str
    absence_since: date | None = None


def reminders_due(*, now: datetime) -> list[DueReminder]:
    """Patients whose local reminder time has passed today, with no check-in and no reminder yet today.

    Four queries whatever the number of patients: preferences, last check-in
    dates, today's reminders, earlier "missed" messages.
    """
    prefs = list(
        ReminderPreference.objects.exclude(channel=Channel.NONE)
        .filter(patient__user__isnull=False, patient__user__is_active=True)
        .select_related("patient")
    )
    candidates = []
    for pref in prefs:
        local_now = now.astimezone(pref.patient.tzinfo())
        if local_now.time() >= pref.time:
            candidates.append((pref, local_now.date()))
    if not candidates:
        return []
    ids = [pref.patient_id for pref, _ in candidates]
    earliest = min(day for _, day in candidates)
    last_checkin = dict(
        CheckIn.objects.filter(patient_id__in=ids)
        .values("patient_id")
        .annotate(last=Max("date"))
        .values_list("patient_id", "last")
    )
    reminded = set(
        ReminderSent.objects.filter(patient_id__in=ids, local_date__gte=earliest).values_list(
            "patient_id", "local_date"
        )
    )
    told_missing = set(
        ReminderSent.objects.filter(patient_id__in=ids, kind=ReminderSent.Kind.MISSED).values_list(
            "patient_id", "absence_since"
        )
    )
    due = []
    for pref, today in candidates:
        patient = pref.patient
        last = last_checkin.get(patient.pk)
        if (last is not None and last >= today) or (patient.pk, today) in reminded:
            continue
        # The first day without a check-in: the day after the last one, but
        # never before enrolment (a diary typed in at enrolment is not an absence).
        enrolled = patient.enrolled_at.astimezone(patient.tzinfo()).date()
        first_missed = max(last + timedelta(days=1), enrolled) if last is not None else enrolled
        if first_missed <= today - timedelta(days=MISSED_DAYS) and (patient.pk, first_missed) not in told_missing:
            due.append(DueReminder(patient.pk, today, ReminderSent.Kind.MISSED, pref.channel, first_missed))
        else:
            due.append(DueReminder(patient.pk, today, ReminderSent.Kind.DAILY, pref.channel))
    return due


def preference_for(patient) -> ReminderPreference:
    """The patient's saved preference, or the unsaved default (no reminder)."""
    return ReminderPreference.objects.filter(patient=patient).first() or ReminderPreference(patient=patient)

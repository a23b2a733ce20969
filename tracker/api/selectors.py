"""Reads the API needs that the web pages do not (yet)."""

from datetime import date

from django.db.models import QuerySet

from notifications.models import Alert
from patients.models import Patient
from tracker.models import CheckIn
from tracker.selectors import current_baseline


def checkins_between(
    *, patient: Patient, start: date | None = None, end: date | None = None, newest_first: bool = False
) -> QuerySet[CheckIn]:
    """One patient's check-ins within [start, end] (either open), by date."""
    # entered_by_description reads the patient's account and the enterer: joined, not a query per row.
    checkins = CheckIn.objects.filter(patient=patient).select_related("patient", "entered_by")
    if start is not None:
        checkins = checkins.filter(date__gte=start)
    if end is not None:
        checkins = checkins.filter(date__lte=end)
    return checkins.order_by("-date" if newest_first else "date")


def patient_summary(*, patient: Patient) -> dict:
    """The baseline in force, the latest check-in and the count of unresolved alerts."""
    return {
        "baseline": current_baseline(patient=patient),
        "latest": CheckIn.objects.filter(patient=patient).order_by("-date").first(),
        "open_alerts": Alert.objects.filter(patient=patient).exclude(status=Alert.Status.RESOLVED).count(),
    }

"""Reads about the phone tests."""

from __future__ import annotations

from datetime import date, timedelta

from detection.motor_rules import MotorAssessment, assess_motor
from motor.evaluation import motor_config_for, tries_of
from motor.models import MotorTest
from motor.services import motor_settings_for
from patients.models import Patient


def motor_tests_of(*, patient: Patient, start: date | None = None, end: date | None = None, newest_first=False):
    qs = MotorTest.objects.filter(patient=patient).select_related("patient", "entered_by").defer("raw")
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    order = ("-date", "-started_at", "-pk") if newest_first else ("date", "started_at", "pk")
    return qs.order_by(*order)


def previous_try(row: MotorTest) -> MotorTest | None:
    """The same test (and hand) done before this one, to compare with."""
    return (
        MotorTest.objects.filter(patient_id=row.patient_id, kind=row.kind, side=row.side, could_not_do=False)
        .filter(started_at__lt=row.started_at)
        .exclude(pk=row.pk)
        .defer("raw")
        .order_by("-started_at", "-pk")
        .first()
    )


def tests_due(*, patient: Patient, today: date | None = None) -> dict:
    """Whether the tests are offered, and due: not done within the care team's interval (weekly by default)."""
    prefs = motor_settings_for(patient)
    today = today or patient.local_today()
    last = MotorTest.objects.filter(patient=patient).order_by("-date").values_list("date", flat=True).first()
    due = prefs.enabled and (last is None or last <= today - timedelta(days=prefs.every_days))
    return {"enabled": prefs.enabled, "due": due, "last": last, "every_days": prefs.every_days, "settings": prefs}


def motor_overview(*, patient: Patient, start: date | None = None, end: date | None = None):
    """(rows in the range, the rule's assessment of the whole history): charts, report and API share it.

    The assessment always sees every try, since practice and baseline depend on the first ones.
    """
    every = list(motor_tests_of(patient=patient))
    assessment: MotorAssessment | None = assess_motor(tries_of(every), motor_config_for(patient)) if every else None
    rows = [r for r in every if (start is None or r.date >= start) and (end is None or r.date <= end)]
    return rows, assessment

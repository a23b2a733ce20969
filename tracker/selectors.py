"""Reads about check-ins and baselines."""

from datetime import timedelta

from patients.models import Patient
from tracker.models import Baseline, CheckIn


def checkin_for_day(*, patient: Patient, date) -> CheckIn | None:
    return CheckIn.objects.filter(patient=patient, date=date).first()


def recent_checkins(*, patient: Patient, days: int = 14, today=None) -> list[CheckIn]:
    today = today or patient.local_today()
    return list(CheckIn.objects.filter(patient=patient, date__gt=today - timedelta(days=days)).order_by("-date"))


def current_baseline(*, patient: Patient) -> Baseline | None:
    return Baseline.objects.filter(patient=patient).order_by("-effective_from", "-set_at").first()


def baseline_history(*, patient: Patient) -> list[Baseline]:
    """Every baseline of the patient, current first, with who set it."""
    return list(
        Baseline.objects.filter(patient=patient).select_related("set_by").order_by("-effective_from", "-set_at")
    )

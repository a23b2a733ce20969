"""The patient's own "My days" page: the progress panel (their total over the
last 90 days against their baseline, in plain words and a server-drawn SVG),
whether a red-flag episode is open, and the days list."""

from datetime import date, timedelta

from detection.rules import DECLINE_RULES, RED_FLAG
from detection.scales import DOMAIN_KEYS, DOMAIN_LABELS, DOMAIN_MAX
from notifications.models import Alert
from patients.models import Patient
from tracker.charts import progress_summary, recent_level
from tracker.models import CheckIn
from tracker.patient_chart import patient_trend
from tracker.trends import trend_series

PATIENT_CHART_DAYS = 90
DAYS_LISTED = 14
# "How you are doing" never says "better" within this many days of a red flag.
RED_FLAG_WEEK = 7
RED_FLAG_SUMMARY = {
    "level": "urgent",
    "text": "You told us about an urgent symptom this week, so we are not comparing your scores now. "
    "If it comes back or you are worried, get help at once.",
}


def red_flag_open(*, patient: Patient, today: date) -> bool:
    """An urgent episode is on: a red-flag alert the team has not resolved, or a red-flag check-in today."""
    unresolved = Alert.objects.filter(patient=patient, rule=RED_FLAG).exclude(status=Alert.Status.RESOLVED)
    return unresolved.exists() or CheckIn.objects.filter(patient=patient, date=today, red_flag=True).exists()


def patient_progress(*, patient: Patient, red_flag: bool = False) -> dict:
    """Context for tracker/_patient_progress.html: the words and the SVG trend (no chart library)."""
    today = patient.local_today()
    data = trend_series(patient=patient, start=today - timedelta(days=PATIENT_CHART_DAYS - 1), end=today)
    week_start = (today - timedelta(days=RED_FLAG_WEEK - 1)).isoformat()
    if red_flag or any(d["date"] >= week_start for d in data["red_flag_days"]):
        # A better-looking number must not read as reassurance in the week of an urgent symptom.
        summary = RED_FLAG_SUMMARY
    else:
        baseline = data["baselines"][-1]["total"] if data["baselines"] else None
        team_told = (
            Alert.objects.filter(patient=patient, rule__in=DECLINE_RULES).exclude(status=Alert.Status.RESOLVED).exists()
        )
        summary = progress_summary(
            latest=recent_level(data["series"]["total"]),
            baseline=baseline,
            team_told=team_told,
            mcid=data["mcid"]["total"],
        )
    return {"summary": summary, "trend": patient_trend(data)}


def score_rows(checkin: CheckIn) -> list[tuple[str, int, int]]:
    """(label, score, maximum) of each domain: a bare 6 means nothing without its maximum."""
    return [(DOMAIN_LABELS[key], getattr(checkin, key), DOMAIN_MAX[key]) for key in DOMAIN_KEYS]


def score_parts(checkin: CheckIn) -> list[str]:
    """Each domain as "Walking 6 of 7"."""
    return [f"{label} {score} of {top}" for label, score, top in score_rows(checkin)]


def days_listed(*, patient: Patient, today: date, checkins: list[CheckIn]) -> list[dict]:
    """The last fortnight, newest first, with missed days shown as missed, but none from before enrolment.

    A patient enrolled today sees today only; a diary day typed in from before
    enrolment still shows, as it has a check-in.
    """
    by_date = {c.date: c for c in checkins}
    enrolled = patient.enrolled_at.astimezone(patient.tzinfo()).date()
    first = min([enrolled, *by_date])
    days = []
    for i in range(DAYS_LISTED):
        day = today - timedelta(days=i)
        if day < first:
            break
        c = by_date.get(day)
        days.append({"date": day, "checkin": c, "parts": score_parts(c) if c else []})
    return days

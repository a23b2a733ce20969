"""Reads behind the patient chart page and the follow-up visit report (HTML and CSV)."""

from __future__ import annotations

import statistics
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from detection.scales import DOMAIN_BY_KEY, DOMAIN_KEYS, RED_FLAGS
from motor.charts import motor_chart_context
from notifications.models import CONTACT_KINDS, Alert, AlertEvent
from patients.models import Patient
from tracker.charts import clinician_figure_data, figure_json, recent_level
from tracker.models import CheckIn
from tracker.trends import RANGE_LABELS, SERIES_KEYS, last_visit_date, range_bounds, trend_series

# How many check-ins at each end of the period make its start and end level.
LEVEL_CHECKINS = 7
SERIES_LABELS = {"total": "Total", **{k: DOMAIN_BY_KEY[k].label for k in DOMAIN_KEYS}}
RED_FLAG_TEXT = {f.key: f.question for f in RED_FLAGS}


def _current_baseline(data: dict) -> dict | None:
    """The baseline in force on the last day of the series, if any."""
    last = data["baselines"][-1] if data["baselines"] else None
    if not last or last["to"] != data["end"]:
        return None
    # The series carries ISO strings (it is JSON for the chart); the page formats a date.
    return {**last, "effective_from": date.fromisoformat(last["effective_from"])}


def patient_chart_context(*, patient: Patient, range_key: str, today: date | None = None) -> dict:
    start, end = range_bounds(range_key, patient=patient, today=today)
    # One read for the chart's alerts (those in the range) and the open ones
    # listed under it, whatever their date.
    in_range = Q(date__lte=end) if start is None else Q(date__gte=start, date__lte=end)
    alerts = list(
        Alert.objects.filter(patient=patient)
        .filter(in_range | ~Q(status=Alert.Status.RESOLVED))
        .order_by("date", "opened_at")
    )
    data = trend_series(patient=patient, start=start, end=end, alerts=alerts)
    open_alerts = sorted(
        (a for a in alerts if a.status != Alert.Status.RESOLVED), key=lambda a: (a.severity_rank, a.opened_at)
    )
    return {
        "trend": data,
        "figure_json": figure_json(clinician_figure_data(data)) if data["dates"] else "",
        "range_key": range_key,
        "ranges": RANGE_LABELS,
        "baseline": _current_baseline(data),
        "latest": recent_level(data["series"]["total"]),
        "open_alerts": open_alerts,
        "recent_checkins": list(
            CheckIn.objects.filter(patient=patient, date__lte=end)
            .select_related("patient", "entered_by")
            .order_by("-date")[:14]
        ),
        # The phone tests' panel (motor/charts.py), beside the check-in chart.
        **motor_chart_context(patient=patient, start=start, end=end),
    }


def _parse_day(params, name: str) -> date | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: f"{name}: {value!r} is not a date; use YYYY-MM-DD."}) from None


def report_period(params, *, patient: Patient, today: date | None = None) -> tuple[date, date]:
    """(start, end) from ?start=&end=; by default since the last visit, or since enrolment.

    Raises ValidationError naming the bad field.
    """
    today = today or patient.local_today()
    start, end = _parse_day(params, "start"), _parse_day(params, "end")
    end = end or today
    if start is None:
        start = (
            last_visit_date(patient=patient, on_or_before=end)
            or patient.enrolled_at.astimezone(patient.tzinfo()).date()
        )
        start = min(start, end)
    if start > end:
        raise ValidationError({"start": "start: must be on or before end."})
    return start, end


def _level(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 1)


def visit_report(*, patient: Patient, start: date, end: date) -> dict:
    """Everything the follow-up visit report shows for one period."""
    data = trend_series(patient=patient, start=start, end=end)
    baseline = _current_baseline(data)
    changes = []
    for key in SERIES_KEYS:
        values = data["series"][key]
        first, last = _level(values[:LEVEL_CHECKINS]), _level(values[-LEVEL_CHECKINS:])
        base = baseline[key] if baseline else None
        changes.append(
            {
                "key": key,
                "label": SERIES_LABELS[key],
                "start": first,
                "end": last,
                "change": _diff(last, first),
                "baseline": base,
                "vs_baseline": _diff(last, base),
            }
        )
    alerts = (
        Alert.objects.filter(patient=patient, date__lte=end)
        .filter(Q(date__gte=start) | ~Q(status=Alert.Status.RESOLVED))
        .select_related("resolved_by", "acknowledged_by")
        .order_by("date", "opened_at")
    )
    days = (end - start).days + 1
    checkin_days = len(data["dates"])
    return {
        "trend": data,
        "figure_json": figure_json(clinician_figure_data(data)) if data["dates"] else "",
        "start": start,
        "end": end,
        "days": days,
        "checkin_days": checkin_days,
        "adherence": round(100 * checkin_days / days) if days else 0,
        "changes": changes,
        "baseline": baseline,
        "level_checkins": LEVEL_CHECKINS,
        "alerts": list(alerts),
        "red_flags": [
            {"date": date.fromisoformat(d["date"]), "questions": [RED_FLAG_TEXT[f] for f in d["flags"]]}
            for d in data["red_flag_days"]
        ],
        "notes": [{"date": date.fromisoformat(n["date"]), "note": n["note"]} for n in data["notes"]],
        "events": [{**e, "date": date.fromisoformat(e["date"])} for e in data["events"]],
        "entered_by_others": _entered_by_others(patient, start, end),
        "contact_log": _contact_log(patient, start, end),
        **motor_chart_context(patient=patient, start=start, end=end),
    }


def _contact_log(patient, start, end) -> list[AlertEvent]:
    """Every try to reach the patient about an alert, on the patient's local days start..end, oldest first."""
    # The day is truncated in the database rather than turned into datetimes here: a period
    # ending 9999-12-31 (allowed by report_period) has no "next midnight" in Python.
    return list(
        AlertEvent.objects.filter(alert__patient=patient, kind__in=CONTACT_KINDS)
        .annotate(local_day=TruncDate("at", tzinfo=patient.tzinfo()))
        .filter(local_day__range=(start, end))
        .select_related("actor", "alert")
        .order_by("at", "pk")
    )


def _entered_by_others(patient, start, end) -> list[dict]:
    """Who besides the patient typed check-ins in the period (a caregiver, the care team), with counts."""
    rows = (
        CheckIn.objects.filter(patient=patient, date__range=(start, end), entered_by__isnull=False)
        .exclude(entered_by_id=patient.user_id)
        .values("entered_by__role", "entered_by__first_name", "entered_by__last_name", "entered_by__username")
        .annotate(count=Count("pk"))
        .order_by("-count")
    )
    return [
        {
            "who": " ".join(filter(None, [r["entered_by__first_name"], r["entered_by__last_name"]]))
            or r["entered_by__username"],
            "kind": "caregiver" if r["entered_by__role"] == "caregiver" else "care team",
            "count": r["count"],
        }
        for r in rows
    ]

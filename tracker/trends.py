"""The series behind a patient's trend charts, as plain JSON-safe data.

`trend_series` reads the database once per kind of row (check-ins, baselines,
alerts, events) and returns dates as ISO strings and numbers as ints/floats,
so the same dict feeds the plotly figures (tracker.charts), the API
(`GET /api/v1/patients/{id}/trends/`) and the visit report.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce

from detection.scales import DOMAIN_KEYS, RED_FLAG_KEYS
from notifications.models import Alert
from patients.models import Patient, PatientEvent
from tracker.models import Baseline, CheckIn
from tracker.rule_settings import mcid_by_panel, rule_config_for

# A daily self-report is noisy (SD about 1.5 points): the smoothed line is the
# median of the last SMOOTH_WINDOW check-ins, which ignores a single bad day.
SMOOTH_WINDOW = 7
SERIES_KEYS = (*DOMAIN_KEYS, "total")

RANGES = {"30d": 30, "90d": 90, "1y": 365, "all": None, "visit": None}
RANGE_LABELS = {"30d": "30 days", "90d": "90 days", "1y": "1 year", "all": "All", "visit": "Since last visit"}
DEFAULT_RANGE = "90d"


def last_visit_date(*, patient: Patient, on_or_before: date | None = None) -> date | None:
    visits = PatientEvent.objects.filter(patient=patient, kind=PatientEvent.Kind.VISIT)
    if on_or_before is not None:
        visits = visits.filter(date__lte=on_or_before)
    return visits.order_by("-date").values_list("date", flat=True).first()


def range_bounds(range_key: str, *, patient: Patient, today: date | None = None) -> tuple[date | None, date]:
    """(start, end) of a named chart range; start None means from the first check-in.

    "visit" is the span since the latest follow-up visit, or everything when
    there has been no visit yet. Raises KeyError for an unknown key.
    """
    days = RANGES[range_key]
    today = today or patient.local_today()
    if days is not None:
        return today - timedelta(days=days - 1), today
    if range_key == "visit":
        return last_visit_date(patient=patient, on_or_before=today), today
    return None, today


def rolling_median(values: list[float], window: int = SMOOTH_WINDOW) -> list[float]:
    """Median of each value with up to window-1 values before it.

    The same numbers as statistics.median over each window, without its
    per-call overhead (a year's chart takes five series of 365).
    """
    out = []
    for i in range(len(values)):
        w = sorted(values[max(0, i - window + 1) : i + 1])
        half = len(w) // 2
        out.append(float(w[half]) if len(w) % 2 else (w[half - 1] + w[half]) / 2)
    return out


def baseline_segments(baselines: list[Baseline], *, start: date | None, end: date) -> list[dict]:
    """The baseline history as [from, to] segments, clipped to the range.

    The baseline in force on a day is the row with the latest effective_from
    on or before it, and among rows with that effective_from the latest set.
    """
    by_day: dict[date, Baseline] = {}
    for b in baselines:
        kept = by_day.get(b.effective_from)
        if kept is None or b.set_at > kept.set_at:
            by_day[b.effective_from] = b
    days = sorted(d for d in by_day if d <= end)
    segments = []
    for i, day in enumerate(days):
        seg_end = days[i + 1] - timedelta(days=1) if i + 1 < len(days) else end
        if start is not None and seg_end < start:
            continue
        b = by_day[day]
        segments.append(
            {
                "from": max(day, start).isoformat() if start else day.isoformat(),
                "to": seg_end.isoformat(),
                "effective_from": day.isoformat(),
                "method": b.method,
                "reason": b.reason,
                **{key: float(getattr(b, key)) for key in SERIES_KEYS},
            }
        )
    return segments


_ROW_FIELDS = ("date", *SERIES_KEYS, "red_flag", "note", *RED_FLAG_KEYS)
_FLAGS_AT = len(_ROW_FIELDS) - len(RED_FLAG_KEYS)


def _checkin_rows(patient: Patient, start: date | None, end: date) -> tuple[list[tuple], list[tuple]]:
    """(before, in range): tuples of _ROW_FIELDS, not model instances (a year is 365 of them per chart)."""
    qs = CheckIn.objects.filter(patient=patient, date__lte=end).values_list(*_ROW_FIELDS)
    if start is None:
        return [], list(qs.order_by("date"))
    # With the range, the SMOOTH_WINDOW - 1 check-ins just before it, so the
    # smoothed line starts right: one query, from the date of the earliest of
    # those (or from the first check-in when there are fewer).
    earliest_before = (
        CheckIn.objects.filter(patient=patient, date__lt=start)
        .order_by("-date")
        .values("date")[SMOOTH_WINDOW - 2 : SMOOTH_WINDOW - 1]
    )
    rows = list(
        qs.filter(date__gte=Coalesce(Subquery(earliest_before), Value(date.min))).order_by("date")
        if SMOOTH_WINDOW > 1
        else qs.filter(date__gte=start).order_by("date")
    )
    split = next((i for i, row in enumerate(rows) if row[0] >= start), len(rows))
    return rows[:split], rows[split:]


def _flags_answered_yes(row: tuple) -> list[str]:
    """As CheckIn.red_flags_answered_yes, from a row of _ROW_FIELDS."""
    return [key for key, yes in zip(RED_FLAG_KEYS, row[_FLAGS_AT:], strict=True) if yes]


def trend_series(
    *, patient: Patient, start: date | None = None, end: date | None = None, alerts: list[Alert] | None = None
) -> dict:
    """Daily values, smoothed lines, baselines, alerts, events and red-flag days of one patient.

    start None means from the first check-in; end None means the patient's
    local today. Only days with a check-in appear in `dates`. `alerts`, when
    given, are the patient's alerts already read by the caller (at least
    those dated in the range, in (date, opened_at) order): the chart page
    reads them with the open ones it lists, in one query.
    """
    end = end or patient.local_today()
    before, rows = _checkin_rows(patient, start, end)
    dates = [c[0].isoformat() for c in rows]
    series, smoothed = {}, {}
    for i, key in enumerate(SERIES_KEYS, start=1):
        series[key] = [int(c[i]) for c in rows]
        values = [c[i] for c in before] + series[key]
        smoothed[key] = rolling_median(values)[len(before) :]
    red_flag_at, note_at = len(SERIES_KEYS) + 1, len(SERIES_KEYS) + 2
    total_at = SERIES_KEYS.index("total") + 1
    first = start or (rows[0][0] if rows else end)
    # Charts open at the first check-in when the range reaches back before the patient started.
    view_start = rows[0][0] if rows and not before and rows[0][0] > first else first

    baselines = list(Baseline.objects.filter(patient=patient, effective_from__lte=end))
    if alerts is None:
        alerts = Alert.objects.filter(patient=patient, date__gte=first, date__lte=end).order_by("date", "opened_at")
    else:
        alerts = [a for a in alerts if first <= a.date <= end]
    events = PatientEvent.objects.filter(patient=patient, date__gte=first, date__lte=end).order_by("date", "pk")
    return {
        "patient": patient.pk,
        "start": first.isoformat(),
        "view_start": view_start.isoformat(),
        "end": end.isoformat(),
        "dates": dates,
        "series": series,
        "smoothed": smoothed,
        "smooth_window": SMOOTH_WINDOW,
        "baselines": baseline_segments(baselines, start=first, end=end),
        "mcid": mcid_by_panel(rule_config_for(patient)),
        "alerts": [
            {
                "id": a.pk,
                "date": a.date.isoformat(),
                "rule": a.rule,
                "severity": a.severity,
                "status": a.status,
                "outcome": a.outcome,
                "evidence": a.evidence,
                "domains": [d for d in (a.evidence_data or {}).get("domains", []) if d in DOMAIN_KEYS],
            }
            for a in alerts
        ],
        "events": [
            {"date": e.date.isoformat(), "kind": e.kind, "label": e.get_kind_display(), "note": e.note} for e in events
        ],
        "red_flag_days": [
            {"date": c[0].isoformat(), "flags": _flags_answered_yes(c), "total": int(c[total_at])}
            for c in rows
            if c[red_flag_at]
        ],
        "notes": [{"date": c[0].isoformat(), "note": c[note_at]} for c in rows if c[note_at]],
    }

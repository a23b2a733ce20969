"""Reads about patients: the care team's dashboard."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from notifications.models import Alert
from patients.access import patients_visible_to
from patients.models import Patient
from tracker.models import Baseline, CheckIn

SPARKLINE_DAYS = 30
# "Latest total" is the median of the check-ins of the last LEVEL_DAYS days
# before the latest one: one bad day is not a decline (CLINICAL.md, self-report noise).
LEVEL_DAYS = 7
DECLINE_POINTS = 2  # the mJOA MCID: "declining" on the dashboard filter
MISSED_DAYS = 3  # no check-in for this many days counts as missed
STATUSES = ("all", "alerts", "declining", "missed")
STATUS_LABELS = {
    "all": "All",
    "alerts": "Open alerts",
    "declining": f"Declining (≥{DECLINE_POINTS} below baseline)",
    "missed": f"Missed check-ins ({MISSED_DAYS}+ days)",
}


@dataclass
class DashboardRow:
    patient: Patient
    name: str
    age: int
    region: str
    team: str
    last_checkin: date | None
    days_since_checkin: int | None
    latest_total: float | None
    baseline_total: float | None
    change: float | None
    # (date, total) of the last SPARKLINE_DAYS days, oldest first; days without a check-in are absent.
    sparkline: list[tuple[date, int]] = field(default_factory=list)
    open_alerts: list[dict] = field(default_factory=list)
    sparkline_start: date | None = None

    @property
    def has_urgent(self) -> bool:
        return any(a["severity"] == "urgent" for a in self.open_alerts)

    @property
    def declining(self) -> bool:
        return self.change is not None and self.change <= -DECLINE_POINTS

    @property
    def missed(self) -> bool:
        return self.days_since_checkin is None or self.days_since_checkin >= MISSED_DAYS

    @property
    def risk_class(self) -> str:
        if self.has_urgent:
            return "risk-urgent"
        if self.open_alerts:
            return "risk-alert"
        if self.declining:
            return "risk-decline"
        return "risk-missed" if self.missed else ""

    @property
    def change_class(self) -> str:
        if self.change is None or self.change == 0:
            return ""
        return "down" if self.declining else ("dip" if self.change < 0 else "up")

    @property
    def change_text(self) -> str:
        if self.change is None:
            return ""
        return "±0" if self.change == 0 else f"{self.change:+g}"

    @property
    def latest_text(self) -> str:
        return "–" if self.latest_total is None else f"{self.latest_total:g}"

    @property
    def baseline_text(self) -> str:
        return "no baseline" if self.baseline_total is None else f"/ {round(self.baseline_total, 1):g} baseline"

    @property
    def last_checkin_text(self) -> str:
        return "" if self.last_checkin is None else f"{self.last_checkin.day} {self.last_checkin:%b}"

    @property
    def since_text(self) -> str:
        days = self.days_since_checkin
        return {None: "never", 0: "today", 1: "yesterday"}.get(days, f"{days} days ago")

    @property
    def sparkline_values(self) -> list[int]:
        return [total for _, total in self.sparkline]

    def _sparkline_scale(self) -> tuple[float, float]:
        """(top, height) in score units, covering the values and the baseline.

        At least 4 points tall so that one point of noise does not look like a cliff.
        """
        values = self.sparkline_values + ([self.baseline_total] if self.baseline_total is not None else [])
        lo, hi = min(values), max(values)
        pad = max(0.5, (4 - (hi - lo)) / 2)
        return hi + pad, hi - lo + 2 * pad

    @property
    def sparkline_box(self) -> str:
        """SVG viewBox: x = day of the 30-day window (0-29), y = top of the scale minus the total."""
        return f"-0.5 0 {SPARKLINE_DAYS} {self._sparkline_scale()[1]:g}" if self.sparkline else ""

    @property
    def sparkline_points(self) -> str:
        if not self.sparkline or self.sparkline_start is None:
            return ""
        top, start = self._sparkline_scale()[0], self.sparkline_start
        return " ".join(f"{(d - start).days},{top - t:g}" for d, t in self.sparkline)

    @property
    def sparkline_label(self) -> str:
        return ", ".join(map(str, self.sparkline_values))

    @property
    def baseline_y(self) -> str:
        if self.baseline_total is None or not self.sparkline:
            return ""
        return f"{self._sparkline_scale()[0] - self.baseline_total:g}"

    def as_display(self) -> dict:
        """Everything the dashboard template prints, as a dict: dict lookups keep 500 rows fast to render."""
        return {
            "pk": self.patient.pk,
            "name": self.name,
            "age": self.age,
            "region": self.region,
            "team": self.team,
            "risk_class": self.risk_class,
            "missed": self.missed,
            "last_checkin": self.last_checkin_text,
            "since": self.since_text,
            "latest": self.latest_text,
            "baseline": self.baseline_text,
            "change": self.change_text,
            "change_class": self.change_class,
            "sparkline_box": self.sparkline_box,
            "sparkline_points": self.sparkline_points,
            "sparkline_label": self.sparkline_label,
            "baseline_y": self.baseline_y,
            "open_alerts": self.open_alerts,
        }

    def risk_key(self) -> tuple:
        best_rank = min((a["severity_rank"] for a in self.open_alerts), default=9)
        decline = max(0.0, -(self.change or 0.0))
        missed_days = 10**6 if self.days_since_checkin is None else self.days_since_checkin
        return (best_rank, -decline, -missed_days, self.patient.last_name.lower(), self.patient.first_name.lower())


def dashboard_rows(*, user, query: str = "", team_id=None, status=None, today=None) -> list[DashboardRow]:
    """The user's patients ordered by risk, with their recent trend and open alerts.

    Order: an open urgent alert first, then any open alert (by its severity),
    then the largest decline of the latest total below the current
    baseline, then the most days without a check-in.

    Three queries whatever the number of patients: patients (with their
    current baseline and last check-in date as subqueries), the last 30 days
    of check-ins of all of them, and their unresolved alerts.

    `today` is one reference day for everyone (tests, the benchmark); by
    default each patient's own local day counts, so a patient east of the
    server who checked in this morning is not shown as missing a day.
    `status` is one of STATUSES (None means all).
    """
    now = timezone.now()
    # The latest local date anywhere on Earth (UTC+14): no patient's check-in is later.
    horizon = today or (now + timedelta(hours=14)).date()
    patients = patients_visible_to(user)
    if query:
        for word in query.split():
            patients = patients.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if team_id is not None:
        patients = patients.filter(care_team_id=team_id)
    scope = patients.values("pk")

    current_baseline = (
        Baseline.objects.filter(patient=OuterRef("pk"), effective_from__lte=horizon)
        .order_by("-effective_from", "-set_at")
        .values("total")[:1]
    )
    last_checkin = (
        CheckIn.objects.filter(patient=OuterRef("pk"), date__lte=horizon).order_by("-date").values("date")[:1]
    )
    patient_list = list(
        patients.select_related("care_team").annotate(
            baseline_total=Subquery(current_baseline), last_checkin=Subquery(last_checkin)
        )
    )

    # One day more than the window: local days differ by up to a day and more from the horizon.
    window_start = horizon - timedelta(days=SPARKLINE_DAYS + 1)
    checkins = defaultdict(list)
    for patient_id, day, total in (
        CheckIn.objects.filter(patient__in=scope, date__gte=window_start, date__lte=horizon)
        .order_by("patient_id", "date")
        .values_list("patient_id", "date", "total")
    ):
        checkins[patient_id].append((day, total))

    alerts = defaultdict(list)
    for a in (
        Alert.objects.filter(patient__in=scope)
        .exclude(status=Alert.Status.RESOLVED)
        .order_by("severity_rank", "opened_at")
        .values("pk", "patient_id", "rule", "severity", "severity_rank", "status", "date", "evidence")
    ):
        a["rule_label"] = a["rule"].replace("_", " ")
        alerts[a["patient_id"]].append(a)

    rows = [_row(p, checkins[p.pk], alerts[p.pk], today or p.local_today(now)) for p in patient_list]
    if status == "alerts":
        rows = [r for r in rows if r.open_alerts]
    elif status == "declining":
        rows = [r for r in rows if r.declining]
    elif status == "missed":
        rows = [r for r in rows if r.missed]
    rows.sort(key=DashboardRow.risk_key)
    return rows


def _row(patient: Patient, recent: list, open_alerts: list, today: date) -> DashboardRow:
    window_start = today - timedelta(days=SPARKLINE_DAYS - 1)
    if recent and (recent[0][0] < window_start or recent[-1][0] > today):
        recent = [(d, t) for d, t in recent if window_start <= d <= today]
    latest = None
    if recent:
        last_day = recent[-1][0]
        latest = float(statistics.median(t for d, t in recent if (last_day - d).days < LEVEL_DAYS))
    baseline = patient.baseline_total
    last = patient.last_checkin
    return DashboardRow(
        patient=patient,
        name=patient.full_name,
        age=patient.age(today),
        region=patient.get_region_display(),
        team=patient.care_team.name,
        last_checkin=last,
        days_since_checkin=None if last is None else (today - last).days,
        latest_total=latest,
        baseline_total=baseline,
        change=None if latest is None or baseline is None else round(latest - baseline, 1),
        sparkline=recent,
        sparkline_start=window_start,
        open_alerts=open_alerts,
    )

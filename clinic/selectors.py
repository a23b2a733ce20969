"""Reads about patients: the care team's dashboard."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from clinic.presenters import SPARKLINE_DAYS, DashboardRowDisplay
from detection.motor_rules import MOTOR_DECLINE
from detection.scales import MCID_TOTAL, rule_label
from notifications.models import Alert
from patients.access import patients_visible_to
from patients.models import Patient
from tracker.models import Baseline, CheckIn
from tracker.rule_settings import rule_config_for_team

# "Latest total" is the median of the check-ins of the last LEVEL_DAYS days
# before the latest one: one bad day is not a decline (CLINICAL.md, self-report noise).
LEVEL_DAYS = 7
# "Declining" on the dashboard: the latest total at least the MCID below baseline;
# the patient's care team may set its own MCID (RuleConfig.mcid), so each row carries it.
DECLINE_POINTS = MCID_TOTAL
MISSED_DAYS = 3  # no check-in for this many days counts as missed
STATUSES = ("all", "alerts", "declining", "missed")
STATUS_LABELS = {
    "all": "All",
    "alerts": "Open alerts",
    "declining": f"Declining (≥{DECLINE_POINTS:g} below baseline)",
    "missed": f"Missed check-ins ({MISSED_DAYS}+ days)",
    # "My patients": an unresolved alert assigned to me. Care teams share
    # their patients, so the alert (who took it on) is what makes one mine.
    "mine": "My patients (an open alert assigned to me)",
    # An unresolved motor_decline alert: a phone test (taps, steps, walk) fell from its baseline.
    "motor": "Motor test declining",
}


@dataclass
class DashboardRow(DashboardRowDisplay):
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
    decline_points: float = DECLINE_POINTS

    @property
    def has_urgent(self) -> bool:
        return any(a["severity"] == "urgent" for a in self.open_alerts)

    @property
    def declining(self) -> bool:
        return self.change is not None and self.change <= -self.decline_points

    @property
    def motor_declining(self) -> bool:
        return any(a["rule"] == MOTOR_DECLINE for a in self.open_alerts)

    @property
    def missed(self) -> bool:
        return self.days_since_checkin is None or self.days_since_checkin >= MISSED_DAYS


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
    patients = _scoped_patients(user, query=query, team_id=team_id)
    scope = patients.values("pk")
    patient_list = _with_baseline_and_last_checkin(patients, horizon)
    checkins = _recent_totals(scope, horizon)
    alerts = _open_alerts(scope)
    mcid = {}
    for p in patient_list:
        if p.care_team_id not in mcid:
            mcid[p.care_team_id] = rule_config_for_team(p.care_team).mcid
    rows = [
        _row(p, checkins[p.pk], alerts[p.pk], today or p.local_today(now), mcid[p.care_team_id]) for p in patient_list
    ]
    rows = [r for r in rows if _has_status(r, status, user.pk)]
    rows.sort(key=DashboardRow.risk_key)
    return rows


def _scoped_patients(user, *, query: str, team_id):
    patients = patients_visible_to(user)
    for word in query.split():
        patients = patients.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if team_id is not None:
        patients = patients.filter(care_team_id=team_id)
    return patients


def _with_baseline_and_last_checkin(patients, horizon: date) -> list[Patient]:
    """Query 1: the patients, each with the baseline total in force and the date of the last check-in."""
    current_baseline = (
        Baseline.objects.filter(patient=OuterRef("pk"), effective_from__lte=horizon)
        .order_by("-effective_from", "-set_at")
        .values("total")[:1]
    )
    last_checkin = (
        CheckIn.objects.filter(patient=OuterRef("pk"), date__lte=horizon).order_by("-date").values("date")[:1]
    )
    return list(
        patients.select_related("care_team").annotate(
            baseline_total=Subquery(current_baseline), last_checkin=Subquery(last_checkin)
        )
    )


def _recent_totals(scope, horizon: date) -> dict[int, list]:
    """Query 2: (date, total) of every patient in scope over the sparkline window, oldest first."""
    # One day more than the window: local days differ by up to a day and more from the horizon.
    window_start = horizon - timedelta(days=SPARKLINE_DAYS + 1)
    checkins = defaultdict(list)
    for patient_id, day, total in (
        CheckIn.objects.filter(patient__in=scope, date__gte=window_start, date__lte=horizon)
        .order_by("patient_id", "date")
        .values_list("patient_id", "date", "total")
    ):
        checkins[patient_id].append((day, total))
    return checkins


def _open_alerts(scope) -> dict[int, list[dict]]:
    """Query 3: the unresolved alerts of every patient in scope, most severe then oldest first."""
    alerts = defaultdict(list)
    for a in (
        Alert.objects.filter(patient__in=scope)
        .exclude(status=Alert.Status.RESOLVED)
        .order_by("severity_rank", "opened_at")
        .values("pk", "patient_id", "rule", "severity", "severity_rank", "status", "date", "evidence", "assigned_to_id")
    ):
        a["rule_label"] = rule_label(a["rule"])
        alerts[a["patient_id"]].append(a)
    return alerts


def _has_status(row: DashboardRow, status: str | None, user_id: int) -> bool:
    if status == "mine":
        return any(a["assigned_to_id"] == user_id for a in row.open_alerts)
    if status == "alerts":
        return bool(row.open_alerts)
    if status == "declining":
        return row.declining
    if status == "missed":
        return row.missed
    if status == "motor":
        return row.motor_declining
    return True


def _row(patient: Patient, recent: list, open_alerts: list, today: date, decline_points: float) -> DashboardRow:
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
        decline_points=decline_points,
    )

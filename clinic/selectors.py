"""Reads about patients: the care team's dashboard."""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import IntegerField, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.utils import timezone

from clinic.presenters import SPARKLINE_DAYS, DashboardRowDisplay
from detection.motor_rules import MOTOR_DECLINE
from detection.posterior import PROBABILITY_KEY
from detection.scales import MCID_TOTAL, rule_label
from notifications.models import Alert, as_probability, likelihood_text
from patients.access import patients_visible_to
from patients.models import Caregiver, CareTeam, Patient
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


def _baseline_and_last_checkin(horizon: date) -> dict:
    """Annotations: the baseline total in force and the date of the last check-in, as of ``horizon``."""
    current_baseline = (
        Baseline.objects.filter(patient=OuterRef("pk"), effective_from__lte=horizon)
        .order_by("-effective_from", "-set_at")
        .values("total")[:1]
    )
    last_checkin = (
        CheckIn.objects.filter(patient=OuterRef("pk"), date__lte=horizon).order_by("-date").values("date")[:1]
    )
    return {"baseline_total": Subquery(current_baseline), "last_checkin": Subquery(last_checkin)}


def _with_baseline_and_last_checkin(patients, horizon: date) -> list[Patient]:
    """Query 1: the patients, each with the baseline total in force and the date of the last check-in."""
    return list(patients.select_related("care_team").annotate(**_baseline_and_last_checkin(horizon)))


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
        .annotate(probability=KT(f"evidence_data__{PROBABILITY_KEY}"))
    ):
        a["rule_label"] = rule_label(a["rule"])
        a["likelihood"] = likelihood_text(as_probability(a.pop("probability")))
        alerts[a["patient_id"]].append(a)
    return alerts


# One predicate per status filter: a new filter is a new entry here (and in STATUS_LABELS).
STATUS_FILTERS = {
    "mine": lambda row, user_id: any(a["assigned_to_id"] == user_id for a in row.open_alerts),
    "alerts": lambda row, user_id: bool(row.open_alerts),
    "declining": lambda row, user_id: row.declining,
    "missed": lambda row, user_id: row.missed,
    "motor": lambda row, user_id: row.motor_declining,
}


def _has_status(row, status: str | None, user_id: int) -> bool:
    test = STATUS_FILTERS.get(status)
    return True if test is None else test(row, user_id)


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


# ----- the dashboard page: risk first, a page at a time ----------------------
# The HTML dashboard shows the riskiest patients first and the rest on request
# ("Show more"). Ranking needs every patient's latest level, change and days
# without a check-in, but only the rows shown need their 30-day sparkline, their
# model object and their display values, so the page asks for those only.
# dashboard_rows above stays the whole list (the API pages it itself).

# Latest possible local day (UTC+14) minus the earliest (UTC-12): how far one
# patient's "today" can trail the horizon.
_TZ_SPREAD = timedelta(days=2)
_PATIENT_FIELDS = (
    "pk",
    "first_name",
    "last_name",
    "date_of_birth",
    "region",
    "timezone",
    "care_team_id",
    "care_team__name",
    "care_team__rule_overrides",
    "checkins_received",
)


@dataclass
class DashboardState:
    """What the dashboard of one user and filter shows, cheap to read (two queries).

    `fingerprint` changes whenever anything the page would show changes: a
    patient's details, a check-in (every save, a resubmission too, adds one
    to checkins_received), the current baseline, an unresolved alert (opened,
    acknowledged, assigned, resolved), a team's MCID, a patient's local day.
    The view answers 304 when it matches the client's ETag, so a refresh
    that changed nothing runs these two queries and no more.
    """

    user_id: int
    status: str | None
    horizon: date
    patients: list[dict]
    alerts: dict[int, list[dict]]
    today_of: dict[int, date]
    mcid: dict[int, float]
    key: tuple = ()

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(repr(self.key).encode())
        for p in self.patients:
            digest.update(repr([p[f] for f in (*_PATIENT_FIELDS, "baseline_total", "last_checkin")]).encode())
            digest.update(repr((self.today_of[p["pk"]], self.alerts.get(p["pk"]))).encode())
        digest.update(repr(sorted(self.mcid.items())).encode())
        return digest.hexdigest()[:32]


@dataclass
class DashboardPage:
    rows: list[DashboardRow]  # the first `shown`, riskiest first
    total: int  # how many patients match the filters


def dashboard_state(*, user, query: str = "", team_id=None, status=None, today=None) -> DashboardState:
    """Query 1 (the patients with baseline and last check-in) and query 2 (their unresolved alerts)."""
    now = timezone.now()
    horizon = today or (now + timedelta(hours=14)).date()
    patients = _scoped_patients(user, query=query, team_id=team_id)
    rows = list(
        patients.annotate(**_baseline_and_last_checkin(horizon)).values(
            *_PATIENT_FIELDS, "baseline_total", "last_checkin"
        )
    )
    # The scope as a subquery, not a list of ids: 500 bound ids cost more to send than the query takes.
    alerts = _open_alerts(patients.values("pk")) if rows else {}
    today_of, mcid, zones = {}, {}, {}
    for p in rows:
        if today is None:
            zone = p["timezone"]
            if zone not in zones:
                zones[zone] = now.astimezone(Patient(timezone=zone).tzinfo()).date()
            today_of[p["pk"]] = zones[zone]
        else:
            today_of[p["pk"]] = today
        if p["care_team_id"] not in mcid:
            team = CareTeam(pk=p["care_team_id"], rule_overrides=p["care_team__rule_overrides"])
            mcid[p["care_team_id"]] = rule_config_for_team(team).mcid
    return DashboardState(
        user_id=user.pk,
        status=status,
        horizon=horizon,
        patients=rows,
        alerts=alerts,
        today_of=today_of,
        mcid=mcid,
        key=(user.pk, query, team_id, status, today),
    )


def dashboard_page(state: DashboardState, *, shown: int) -> DashboardPage:
    """Rank every patient of the state, then build the first `shown` rows in full.

    Two more queries: the totals of the days that make each patient's latest
    level, then the 30-day sparklines of the rows shown.
    """
    levels = _level_totals(state)
    ranked = []
    for p in state.patients:
        row = _ranked_row(p, state, levels.get(p["pk"]))
        if _has_status(row, state.status, state.user_id):
            ranked.append((row.risk_key_for(p["last_name"], p["first_name"]), p, row))
    ranked.sort(key=lambda item: item[0])
    page = []
    for _, p, row in ranked[:shown]:
        _add_identity(row, p, state.today_of[p["pk"]])
        page.append(row)
    recent = _recent_totals([r.patient.pk for r in page], state.horizon) if page else {}
    for row in page:
        _add_sparkline(row, recent[row.patient.pk], state.today_of[row.patient.pk])
    return DashboardPage(rows=page, total=len(ranked))


def _level_totals(state: DashboardState) -> dict[int, list[int]]:
    """The totals of the LEVEL_DAYS days ending at each patient's last check-in, in one query.

    Patients are grouped by the date of their last check-in (at most a month
    of distinct dates matter: older ones have no level on the dashboard), so
    the query reads about LEVEL_DAYS rows per patient instead of 30 days.
    """
    by_day = defaultdict(list)
    for p in state.patients:
        last, today = p["last_checkin"], state.today_of[p["pk"]]
        # A last check-in after the patient's own today (only with a fixed `today`) or before the
        # sparkline window gives no level from these days; _ranked_row then reads no level.
        if last is not None and today - timedelta(days=SPARKLINE_DAYS - 1) <= last <= today:
            by_day[last].append(p["pk"])
    if not by_day:
        return {}
    where = Q()
    for last, pks in by_day.items():
        where |= Q(patient_id__in=pks, date__gt=last - timedelta(days=LEVEL_DAYS), date__lte=last)
    totals = defaultdict(list)
    # No ORDER BY: the median does not care, and sorting 3,000 rows cost as much as reading them.
    for patient_id, total in CheckIn.objects.filter(where).order_by().values_list("patient_id", "total"):
        totals[patient_id].append(total)
    return totals


def _ranked_row(p: dict, state: DashboardState, level: list[int] | None) -> DashboardRow:
    """What ranking and the status filters read; who the patient is comes later, for the rows shown."""
    today = state.today_of[p["pk"]]
    latest = float(statistics.median(level)) if level else None
    baseline, last = p["baseline_total"], p["last_checkin"]
    return DashboardRow(
        patient=None,
        name="",
        age=0,
        region="",
        team=p["care_team__name"],
        last_checkin=last,
        days_since_checkin=None if last is None else (today - last).days,
        latest_total=latest,
        baseline_total=baseline,
        change=None if latest is None or baseline is None else round(latest - baseline, 1),
        open_alerts=state.alerts.get(p["pk"], []),
        decline_points=state.mcid[p["care_team_id"]],
    )


def _add_identity(row: DashboardRow, p: dict, today: date) -> None:
    # An unsaved instance from the values already read: no query, and the model's own name and age rules.
    row.patient = Patient(
        pk=p["pk"],
        first_name=p["first_name"],
        last_name=p["last_name"],
        date_of_birth=p["date_of_birth"],
        region=p["region"],
        timezone=p["timezone"],
        care_team_id=p["care_team_id"],
    )
    row.name = row.patient.full_name
    row.age = row.patient.age(today)
    row.region = row.patient.get_region_display()


def _add_sparkline(row: DashboardRow, recent: list, today: date) -> None:
    window_start = today - timedelta(days=SPARKLINE_DAYS - 1)
    row.sparkline = [(d, t) for d, t in recent if window_start <= d <= today]
    row.sparkline_start = window_start


def caregiver_count() -> RawSQL:
    """An annotation: how many caregiver links a patient has (as `patient.caregivers.count()`), in the patient's query.

    Written as SQL: the ORM's Subquery of a grouped count took 0.3 ms to
    compile on every load of the chart page, the count itself microseconds.
    """
    q = connection.ops.quote_name
    patient_id = f"{q(Patient._meta.db_table)}.{q('id')}"
    sql = f"SELECT count(*) FROM {q(Caregiver._meta.db_table)} c WHERE c.patient_id = {patient_id}"  # nosec B608
    return RawSQL(sql, [], output_field=IntegerField())  # nosec B611

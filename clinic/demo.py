"""The demo care teams and their patients' daily histories (``manage.py seed_demo``).

The roster is fixed: the usernames and the password are documented in
README.md and docs/patients.md. Histories are generated from a seeded RNG, so
the same seed gives the same shape of data relative to today: 33 patients with
6 to 12 months of daily check-ins each (stable ones, slow and fast
progressors, gaps, red flags, one operated patient who recovers).

The model behind a history, following ../shared/CLINICAL.md: a true level per
mJOA domain that stays flat, drifts down (slow progressor), steps down over a
few days (fast progressor) or recovers after surgery; the patient reports it
with day-to-day noise and the odd bad day that recovers.
"""

from __future__ import annotations

import random
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as dj_timezone

from detection.scales import DOMAIN_KEYS
from detection.scales import DOMAIN_MAX as DOMAIN_MAXIMA
from notifications import services
from notifications.models import Alert
from patients.models import CareTeam, CareTeamMembership, Patient, PatientContact, PatientEvent, User
from tracker.models import CheckIn
from tracker.services import baseline_reset

# The documented demo log-in (bandit B105); seed_demo refuses to run with DEBUG off.
DEMO_PASSWORD = "myelotrack-demo"  # nosec B105
DEFAULT_SEED = 20260401

TEAM_A = "Spine Clinic A"
TEAM_B = "Spine Clinic B"
DEMO_TEAMS = {
    # Ofcom's drama numbers: they look real and reach nobody.
    TEAM_A: {"phone": "+44 20 7946 0101", "escalation_contact_email": "spine.a.oncall@example.org"},
    TEAM_B: {"phone": "+44 161 496 0202", "escalation_contact_email": "spine.b.oncall@example.org"},
}


@dataclass(frozen=True)
class DemoClinician:
    username: str
    first_name: str
    last_name: str
    team: str
    team_role: str


CLINICIANS = (
    DemoClinician("nurse.a", "Helen", "Marsh", TEAM_A, "nurse"),
    DemoClinician("doctor.a", "Rajesh", "Menon", TEAM_A, "physician"),
    DemoClinician("physio.a", "Tomasz", "Nowak", TEAM_A, "physiotherapist"),
    DemoClinician("nurse.b", "Siobhan", "Kelly", TEAM_B, "nurse"),
)
ADMIN = {"username": "admin", "first_name": "Site", "last_name": "Administrator", "email": "admin@example.org"}


@dataclass(frozen=True)
class Course:
    """How one demo patient's condition runs; offsets count days back from today."""

    kind: str = "stable"  # stable | slow | fast | surgery | improving
    history_days: int = 270
    # Reported with this much day-to-day noise (mJOA points, per domain).
    noise: float = 0.45
    adherence: float = 0.93
    # slow: decline of `magnitude` total points starting `onset_ago` days ago.
    # fast: the same over `steps` days starting `onset_ago` days ago.
    magnitude: float = 0.0
    onset_ago: int = 0
    steps: int = 7
    red_flags: tuple[tuple[int, str], ...] = ()  # (days ago, rf_* field)
    gaps: tuple[tuple[int, int], ...] = ()  # (from days ago, to days ago) without check-ins
    stopped_ago: int = 0  # no check-ins for the last N days
    surgery_ago: int = 0
    physio_ago: int = 0
    checked_in_today: bool = False
    fills_extras: bool = True


@dataclass(frozen=True)
class DemoPatient:
    username: str
    first_name: str
    last_name: str
    team: str
    birth_year: int
    base: tuple[float, float, float, float]  # fine_motor, gait, sensation, bladder (true level at enrolment)
    course: Course = field(default_factory=Course)
    timezone: str = "Europe/London"
    region: str = "cervical"


def _p(n, first, last, year, base, course=None, team=TEAM_A, **kw):
    prefix = "a" if team == TEAM_A else "b"
    return DemoPatient(f"patient.{prefix}{n}", first, last, team, year, base, course or Course(), **kw)


MILD = (4.3, 5.8, 2.2, 2.9)  # about 15: mild DCM
MODERATE = (3.6, 4.8, 1.8, 2.7)  # about 13
SEVERE = (2.8, 3.8, 1.4, 2.3)  # about 10

PATIENTS: tuple[DemoPatient, ...] = (
    _p(1, "Margaret", "Hughes", 1956, MILD, Course(history_days=300, physio_ago=120)),
    _p(2, "David", "Okonkwo", 1961, MILD, Course(history_days=240, noise=0.35, checked_in_today=True)),
    _p(3, "Priya", "Raghunathan", 1958, MODERATE, Course("slow", 330, magnitude=3.0, onset_ago=150)),
    _p(4, "John", "Whitfield", 1949, MILD, Course(history_days=210, noise=0.5, fills_extras=False)),
    _p(5, "Fatima", "Haddad", 1963, MILD, Course("fast", 280, magnitude=4.0, onset_ago=24, steps=6)),
    _p(6, "Graham", "Pritchard", 1952, MODERATE, Course(history_days=365, physio_ago=200, checked_in_today=True)),
    _p(7, "Chen", "Wei", 1966, MILD, Course(history_days=300, gaps=((140, 118), (60, 52)))),
    _p(8, "Susan", "Fairbrother", 1955, MILD, Course(history_days=190, noise=0.3)),
    _p(9, "Kwame", "Mensah", 1959, MODERATE, Course("slow", 365, magnitude=3.2, onset_ago=200, physio_ago=90)),
    _p(10, "Eileen", "O'Sullivan", 1947, MODERATE, Course(history_days=250, checked_in_today=True)),
    _p(
        11,
        "Anil",
        "Chaudhry",
        1954,
        MILD,
        Course("fast", 220, magnitude=4.5, onset_ago=3, steps=2, red_flags=((2, "rf_weakness"),)),
    ),
    _p(12, "Barbara", "Lindqvist", 1960, MILD, Course(history_days=320, noise=0.55), timezone="Europe/Stockholm"),
    _p(13, "Michael", "Doyle", 1957, MODERATE, Course(history_days=260, stopped_ago=6)),
    _p(14, "Agnieszka", "Kowalczyk", 1964, MILD, Course(history_days=200, checked_in_today=True)),
    _p(15, "Peter", "Hartley", 1950, MILD, Course("slow", 300, magnitude=2.4, onset_ago=120), region="thoracic"),
    _p(16, "Yetunde", "Adebayo", 1962, MODERATE, Course(history_days=280, physio_ago=160)),
    _p(17, "Robert", "Campbell", 1953, MODERATE, Course("fast", 340, magnitude=3.5, onset_ago=40, steps=9)),
    _p(
        18,
        "Linda",
        "Nakamura-Price",
        1958,
        MILD,
        Course(history_days=290, red_flags=((110, "rf_fall_injury"),), checked_in_today=True),
    ),
    _p(19, "Stephen", "Ashworth", 1948, SEVERE, Course(history_days=230, noise=0.5)),
    _p(20, "Nadia", "Rahman", 1967, MILD, Course(history_days=270, adherence=0.62)),
    _p(21, "Trevor", "Bamford", 1951, MILD, Course(history_days=350, noise=0.4)),
    _p(22, "Gloria", "Campbell-Bryce", 1956, MODERATE, Course("slow", 310, magnitude=3.2, onset_ago=100)),
    _p(
        23,
        "Ian",
        "MacLeod",
        1955,
        MODERATE,
        Course("surgery", 365, magnitude=2.5, onset_ago=260, surgery_ago=150, physio_ago=130),
    ),
    _p(24, "Mei", "Lin", 1965, MILD, Course(history_days=185, checked_in_today=True)),
    _p(25, "Oluwaseun", "Bello", 1960, MILD, Course("fast", 260, magnitude=3.5, onset_ago=70, steps=8)),
    _p(26, "Catherine", "Ferreira", 1952, MILD, Course(history_days=240, noise=0.35)),
    _p(27, "Harjit", "Sandhu", 1949, MODERATE, Course("slow", 365, magnitude=2.2, onset_ago=240, adherence=0.85)),
    _p(28, "Paul", "Lindsay", 1958, MILD, Course(history_days=300, fills_extras=False, checked_in_today=True)),
    _p(29, "Rosa", "Martínez", 1961, MILD, Course(history_days=220), timezone="Europe/Madrid"),
    _p(30, "Declan", "Byrne", 1957, MODERATE, Course("improving", 330, magnitude=1.6, physio_ago=180)),
    _p(1, "Joan", "Whitaker", 1950, MILD, Course(history_days=260, checked_in_today=True), team=TEAM_B),
    _p(2, "Samuel", "Osei", 1954, MODERATE, Course("slow", 300, magnitude=2.8, onset_ago=130), team=TEAM_B),
    _p(
        3,
        "Hannah",
        "Goldberg",
        1963,
        MILD,
        Course("fast", 200, magnitude=4.0, onset_ago=12, steps=4, red_flags=((9, "rf_fall_injury"),)),
        team=TEAM_B,
        timezone="America/Toronto",
    ),
)

DOMAIN_MAX = tuple(DOMAIN_MAXIMA[k] for k in DOMAIN_KEYS)
# How a decline of the total spreads over the domains: walking and hands first.
DECLINE_SHARE = (0.35, 0.45, 0.15, 0.05)

NOTES = (
    "Bad night's sleep.",
    "Hands stiff in the morning, better later.",
    "Busy day with the grandchildren.",
    "Neck sore after gardening.",
    "Dropped a cup this morning.",
    "Felt more tired than usual.",
    "Walked to the shops and back.",
    "Cold weather, fingers numb.",
    "Good day.",
    "Struggled with the buttons on my coat.",
)
RED_FLAG_NOTES = {
    "rf_weakness": "Legs gave way twice today and my hands are much clumsier.",
    "rf_fall_injury": "Slipped on the stairs and hit my neck. Arms tingling since.",
    "rf_bladder_bowel": "Could not pass water this morning.",
    "rf_saddle_numbness": "Numb between my legs since yesterday.",
    "rf_breathing": "Short of breath.",
}


def _clip(value: int, high: int) -> int:
    return 0 if value < 0 else high if value > high else value


def _decline_fraction(course: Course, ago: int) -> float:
    """Share (0-1) of the course's decline already reached `ago` days before today."""
    if course.kind == "slow" or (course.kind == "surgery" and ago > course.surgery_ago):
        if ago >= course.onset_ago:
            return 0.0
        span = course.onset_ago - (course.surgery_ago if course.kind == "surgery" else 0)
        return min(1.0, (course.onset_ago - ago) / max(span, 1))
    if course.kind == "fast":
        if ago > course.onset_ago:
            return 0.0
        return min(1.0, (course.onset_ago - ago + 1) / max(course.steps, 1))
    return 0.0


def _true_levels(spec: DemoPatient, ago: int) -> list[float]:
    course = spec.course
    levels = list(spec.base)
    loss = course.magnitude * _decline_fraction(course, ago)
    gain = 0.0
    if course.kind == "surgery" and ago <= course.surgery_ago:
        # Weeks of post-operative soreness, then recovery above the pre-operative level.
        since = course.surgery_ago - ago
        pre_op_loss = course.magnitude
        recovered = min(1.0, max(0.0, (since - 10) / 60))
        loss = pre_op_loss * (1 - recovered) + (0.8 if since < 14 else 0.0)
        gain = 1.5 * recovered
    if course.kind == "improving" and course.physio_ago and ago <= course.physio_ago:
        gain = course.magnitude * min(1.0, (course.physio_ago - ago) / 90)
    for i in range(4):
        levels[i] = levels[i] - loss * DECLINE_SHARE[i] + gain * (0.4, 0.4, 0.2, 0.0)[i]
    return levels


def _skipped(course: Course, ago: int, rng: random.Random) -> bool:
    if ago < course.stopped_ago:
        return True
    if any(to <= ago <= start for start, to in course.gaps):
        return True
    if course.kind == "surgery" and course.surgery_ago - 8 < ago <= course.surgery_ago:
        return True  # in hospital
    first_fortnight = ago > course.history_days - 14
    return rng.random() > (0.97 if first_fortnight else course.adherence)


def history(spec: DemoPatient, today: date, rng: random.Random) -> list[dict]:
    """Daily check-ins (dicts of CheckIn fields) from enrolment to today, oldest first."""
    course = spec.course
    red_flags = dict(course.red_flags)
    neck_mean = rng.uniform(1.5, 5.0)
    rows = []
    for ago in range(course.history_days - 1, -1, -1):
        if ago == 0 and not course.checked_in_today:
            continue
        flag = red_flags.get(ago)
        if flag is None and ago != course.history_days - 1 and _skipped(course, ago, rng):
            continue
        levels = _true_levels(spec, ago)
        if flag == "rf_fall_injury" and course.kind != "fast":
            levels[1] -= 2  # the fall shakes the patient that day; the next days are back to usual
        bad_day = rng.random() < 0.035
        scores = []
        for i, level in enumerate(levels):
            value = level + rng.gauss(0, course.noise if i < 2 else course.noise * 0.6)
            if bad_day and i < 2:
                value -= rng.choice((1, 1, 2))
            scores.append(_clip(round(value), DOMAIN_MAX[i]))
        row = dict(zip(DOMAIN_KEYS, scores, strict=True))
        row["date"] = today - timedelta(days=ago)
        if flag:
            row[flag] = True
        if course.fills_extras and rng.random() < 0.7:
            numb = (3 - scores[2]) * 2.6 + rng.gauss(0, 1.0)
            row["numbness"] = _clip(round(numb), 10)
            where = ["hands"] if row["numbness"] else []
            if row["numbness"] >= 5 and rng.random() < 0.6:
                where.append("arms")
            if scores[1] <= 4 and row["numbness"]:
                where += ["legs", "feet"] if rng.random() < 0.5 else ["feet"]
            row["numbness_locations"] = sorted(where)
            row["neck_pain"] = _clip(round(neck_mean + rng.gauss(0, 1.2) + (1.5 if bad_day else 0)), 10)
        if flag:
            row["note"] = RED_FLAG_NOTES[flag]
        elif rng.random() < 0.03:
            row["note"] = rng.choice(NOTES)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class DemoEvent:
    kind: str
    days_ago: int
    note: str
    by: str


def key_events(spec: DemoPatient, rng: random.Random) -> list[DemoEvent]:
    """Key dates: enrolment visit, physiotherapy, surgery, and a recent follow-up visit."""
    course = spec.course
    nurse = "nurse.a" if spec.team == TEAM_A else "nurse.b"
    doctor = "doctor.a" if spec.team == TEAM_A else "nurse.b"
    physio = "physio.a" if spec.team == TEAM_A else "nurse.b"
    found = [DemoEvent("visit", course.history_days - 1, "Enrolment visit: explained the daily check-in.", nurse)]
    if course.surgery_ago:
        found.append(
            DemoEvent("surgery", course.surgery_ago, "Anterior cervical decompression and fusion C5-C6.", doctor)
        )
    if course.physio_ago:
        found.append(DemoEvent("physiotherapy_start", course.physio_ago, "Weekly hand and balance programme.", physio))
    last_visit = rng.randint(30, 60)
    if last_visit < course.history_days - 1:
        found.append(DemoEvent("visit", last_visit, "Clinic review; examination unchanged from the check-ins.", doctor))
    return found


def local_today(tz_name: str, now: datetime) -> date:
    return now.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def enrolled_at(tz_name: str, day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=zoneinfo.ZoneInfo(tz_name))


# ---- writing it ------------------------------------------------------------


def demo_usernames() -> list[str]:
    return [c.username for c in CLINICIANS] + [p.username for p in PATIENTS] + [ADMIN["username"]]


def demo_exists() -> bool:
    return (
        CareTeam.objects.filter(name__in=DEMO_TEAMS).exists()
        or User.objects.filter(username__in=demo_usernames()).exists()
    )


def demo_reset() -> None:
    """Delete the demo teams, their patients (with everything hanging off them) and the demo accounts."""
    with transaction.atomic():
        Patient.objects.filter(care_team__name__in=DEMO_TEAMS).delete()
        Patient.objects.filter(user__username__in=demo_usernames()).delete()
        User.objects.filter(username__in=demo_usernames()).delete()
        CareTeam.objects.filter(name__in=DEMO_TEAMS).delete()


def _create_accounts(password: str) -> tuple[dict[str, CareTeam], dict[str, User]]:
    """The demo teams, every demo user (one shared password hash) and the clinicians' memberships."""
    teams = {name: CareTeam.objects.create(name=name, **extra) for name, extra in DEMO_TEAMS.items()}
    users = {}
    for c in CLINICIANS:
        users[c.username] = User(
            username=c.username,
            first_name=c.first_name,
            last_name=c.last_name,
            email=f"{c.username}@example.org",
            role=User.Role.CLINICIAN,
            password=password,
        )
    users[ADMIN["username"]] = User(**ADMIN, role=User.Role.ADMIN, is_staff=True, is_superuser=True, password=password)
    for p in PATIENTS:
        users[p.username] = User(
            username=p.username,
            first_name=p.first_name,
            last_name=p.last_name,
            role=User.Role.PATIENT,
            password=password,
        )
    User.objects.bulk_create(users.values())
    users = {u.username: u for u in User.objects.filter(username__in=list(users))}
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(team=teams[c.team], user=users[c.username], team_role=c.team_role) for c in CLINICIANS
    )
    return teams, users


def _create_patient(spec, index: int, *, teams, users, seed: int, now, max_days, history_days):
    """One demo patient with (unsaved) check-ins and events; returns (patient, today, checkins, events)."""
    if history_days:
        spec = replace(spec, course=replace(spec.course, history_days=history_days))
    rng = random.Random(seed * 1000 + index)
    today = local_today(spec.timezone, now)
    start = today - timedelta(days=spec.course.history_days - 1)
    patient = Patient.objects.create(
        user=users[spec.username],
        care_team=teams[spec.team],
        first_name=spec.first_name,
        last_name=spec.last_name,
        date_of_birth=date(spec.birth_year, rng.randint(1, 12), rng.randint(1, 28)),
        region=spec.region,
        diagnosis_date=start - timedelta(days=rng.randint(20, 400)),
        timezone=spec.timezone,
        enrolled_at=enrolled_at(spec.timezone, start),
    )
    # Ofcom's drama ranges (07700 900xxx, 020 7946 0xxx): numbers that reach nobody, so a demo
    # tap on "call" cannot ring a real person. Written directly: phonenumbers calls them invalid.
    PatientContact.objects.create(
        patient=patient,
        mobile_phone=f"+447700900{100 + index:03d}",
        other_phone=f"+44207946{index:04d}",
        preferred_method=PatientContact.Method.MOBILE,
        preferred_time="Weekdays after 10 am",
        emergency_name="Sam " + spec.last_name,
        emergency_relation="Partner",
        emergency_phone=f"+447700900{500 + index:03d}",
    )
    cutoff = today - timedelta(days=max_days - 1) if max_days else start
    checkins = []
    for row in history(spec, today, rng):
        if row["date"] >= cutoff:
            checkin = CheckIn(patient=patient, **row)
            checkin.compute_derived()
            checkins.append(checkin)
    events = [
        PatientEvent(
            patient=patient,
            kind=ev.kind,
            date=today - timedelta(days=ev.days_ago),
            note=ev.note,
            created_by=users[ev.by],
        )
        for ev in key_events(spec, rng)
    ]
    return patient, today, checkins, events


def _rebaseline_after_surgery(patient: Patient, effective_from: date, doctor: User) -> None:
    """Through the same service a clinician uses, so the demo's baselines are computed by the rules."""
    try:
        baseline_reset(
            patient=patient,
            from_date=effective_from,
            user=doctor,
            reason="New baseline after recovery from decompression surgery.",
        )
    except ValidationError:
        pass  # too few check-ins after surgery in this course: no re-baseline


def demo_seed(
    *,
    seed: int = DEFAULT_SEED,
    max_days: int | None = None,
    history_days: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Create the demo teams, accounts, histories and events in one transaction.

    ``max_days`` keeps only each history's last N days (fast tests);
    ``history_days`` gives every patient that many days (the benchmark). Returns
    counts. Only the surgery patient gets a baseline by hand (the clinician's
    re-baseline after recovery); everything else is left to detection.
    """
    now = now or dj_timezone.now()
    # One hash for every demo account: hashing 38 times would take most of the run.
    password = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        teams, users = _create_accounts(password)
        checkins, events, rebaselines = [], [], []
        for index, spec in enumerate(PATIENTS):
            patient, today, rows, evs = _create_patient(
                spec, index, teams=teams, users=users, seed=seed, now=now, max_days=max_days, history_days=history_days
            )
            checkins += rows
            events += evs
            if spec.course.surgery_ago:
                rebaselines.append((patient, today - timedelta(days=spec.course.surgery_ago - 75)))
        CheckIn.objects.bulk_create(checkins, batch_size=2000)
        PatientEvent.objects.bulk_create(events)
        for patient, effective_from in rebaselines:
            _rebaseline_after_surgery(patient, effective_from, users["doctor.a"])
    return {
        "teams": len(teams),
        "users": len(users),
        "patients": len(PATIENTS),
        "checkins": len(checkins),
        "events": len(events),
    }


# What the demo care teams have already done about the alerts detection opened:
# (patient, rule, clinician, outcome or "" to only acknowledge, note).
CLINICIAN_ACTIONS = (
    (
        "patient.a18",
        "red_flag",
        "nurse.a",
        "sent_to_emergency",
        "Called within the hour; seen in A&E, CT showed no new injury. Back to her usual level within the week.",
    ),
    ("patient.a25", "sustained_decline", "doctor.a", "", ""),
    ("patient.a25", "drift", "doctor.a", "visit_booked", "Clinic visit booked; MRI requested."),
    ("patient.b3", "red_flag", "nurse.b", "", ""),
)


def demo_clinician_actions() -> int:
    """Acknowledge or resolve a few of the alerts detection opened, so the demo shows outcomes.

    Goes through the notification services; returns how many alerts it touched.
    """
    acknowledge = getattr(services, "alert_acknowledge", None)
    resolve = getattr(services, "alert_resolve", None)
    if acknowledge is None or resolve is None:
        return 0
    touched = 0
    for username, rule, clinician, outcome, note in CLINICIAN_ACTIONS:
        alert = (
            Alert.objects.filter(patient__user__username=username, rule=rule)
            .exclude(status=Alert.Status.RESOLVED)
            .first()
        )
        if alert is None:
            continue
        user = User.objects.get(username=clinician)
        if outcome:
            resolve(alert=alert, user=user, outcome=outcome, note=note)
        else:
            acknowledge(alert=alert, user=user)
        touched += 1
    return touched

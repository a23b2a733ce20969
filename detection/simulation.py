"""Synthetic cohorts of daily mJOA self-reports, with the truth.

The model follows the natural history in shared/CLINICAL.md; every number
that is a modelling choice rather than a published fact says so. Each
patient has a latent (true) level per domain, and what they report each day is
that level plus noise, rounded and clipped to the scale:

* severity at enrolment: mild (total 15-17), moderate (12-14) or severe
  (8-11), in proportions typical of people followed without surgery;
* day-to-day noise per domain (the patient's own consistency varies), a slow
  wobble shared by the domains (an AR(1) process over days to weeks), and bad
  days: spells of one to three days a couple of points down that recover;
* progression at the published rates (stable at 1 year: mild 91%, moderate
  or severe 83%; decline is faster early than late), as a slow drift over
  months or a step drop over days (a fall, a minor neck injury), which may
  keep drifting afterwards;
* missed days (each patient has their own adherence), gaps of days to two
  weeks, red flags (after a fall with a step drop, and rare spurious ones).

``noise`` multiplies the day-to-day noise and the slow wobble: a stable
patient's daily totals have an SD over a year (bad days included) of about
1.0 point at noise 1 and 1.35 at noise 2, close to the spread studies of the
self-reported mJOA show (SD 1.5 against a clinician, Rhee 2018).
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import datetime
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from detection.rules import DayScore
from detection.scales import DOMAIN_KEYS
from detection.scales import DOMAIN_MAX as DOMAIN_MAXIMA

DOMAINS = DOMAIN_KEYS
DOMAIN_MAX = tuple(DOMAIN_MAXIMA[k] for k in DOMAIN_KEYS)
# How a deficit below 18 spreads over the domains (modelling choice: gait and
# hands carry most of DCM's deficit, bladder the least).
DEFICIT_WEIGHTS = (0.30, 0.38, 0.22, 0.10)
# Daily noise SD per domain at noise 1 (modelling choice; see module docstring).
NOISE_SD = (0.33, 0.38, 0.25, 0.18)
# Cumulative probability of neurological decline without surgery, by day
# (meta-analysis, Spine J 2023: stable 91%/85%/75% at 1/2/5 years for mild,
# 83%/72%/55% for moderate or severe).
DECLINE_CDF_DAYS = (0, 365, 730, 1826)
DECLINE_CDF = {
    "mild": (0.0, 0.09, 0.15, 0.25),
    "moderate": (0.0, 0.17, 0.28, 0.45),
    "severe": (0.0, 0.17, 0.28, 0.45),
}
SEVERITY_MIX = (("mild", 0.55), ("moderate", 0.32), ("severe", 0.13))
SEVERITY_TOTALS = {"mild": (15.0, 17.4), "moderate": (12.0, 14.9), "severe": (8.0, 11.9)}
# Days after enrolment before a decline can start (the baseline period).
EARLIEST_ONSET = 14


@dataclass(frozen=True)
class Realism:
    """Which of the harder-to-detect features of real cohorts the simulator adds.

    Each is switchable so that a figure can be traced to the feature that moves
    it. ``LEGACY`` is the first simulator (all off); ``REALISTIC`` (the
    default) has every feature of the held-out cohort of issue 13, whose
    figures the first simulator flattered.
    """

    # Patients differ in how consistently they answer by a factor of about
    # three (log-uniform), not the narrow log-normal spread of the first
    # simulator: the held-out cohort's patients did (issue 13), and test-retest
    # studies of self-reported scales report a wide spread between people.
    noise_spread: bool = True
    # A few percent of answers are off by one or two points in one domain
    # (a mis-tap, a misread question): heavy tails that a Gaussian lacks.
    heavy_tails: bool = True
    # Flares: several days (3-8) worse by 1-2.5 points that build and recover,
    # about once a year, on top of the 1-3 day bad spells (CLINICAL.md: daily
    # self-reports have bad days that recover).
    flares: bool = True
    # Improvers: 8% of stable patients improve by 1-3 points over 1-3 months
    # from some day (physiotherapy, a new medicine; CLINICAL.md: most improve
    # after decompression). They must not alert.
    improvers: bool = True
    # Adherence from 55% (not 60%), and long gaps (2-6 weeks, 0.3 a year:
    # holidays, hospital stays) besides the short ones.
    low_adherence: bool = True
    # Staircases: 2-4 steps of 0.7-1.5 points, weeks apart (a share of the
    # declines; Martin 2021 describes declines between drifts and steps).
    staircases: bool = True
    # Step drops of 2.5-4.5 points over 1-5 days (issue 13's held-out cohort)
    # rather than 2.2-4.
    big_steps: bool = True


REALISTIC = Realism()
LEGACY = Realism(
    noise_spread=False,
    heavy_tails=False,
    flares=False,
    improvers=False,
    low_adherence=False,
    staircases=False,
    big_steps=False,
)


@dataclass
class CheckInRow:
    patient_id: str
    date: datetime.date
    fine_motor: int
    gait: int
    sensation: int
    bladder: int
    red_flag: int

    def as_csv(self) -> list[str]:
        return [
            self.patient_id,
            self.date.isoformat(),
            str(self.fine_motor),
            str(self.gait),
            str(self.sensation),
            str(self.bladder),
            str(self.red_flag),
        ]


def day_scores(rows: Iterable[CheckInRow]) -> list[DayScore]:
    """A simulated patient's rows as the detector takes them."""
    return [DayScore(r.date, r.fine_motor, r.gait, r.sensation, r.bladder, bool(r.red_flag)) for r in rows]


@dataclass
class TruthRow:
    patient_id: str
    progresses: int
    decline_date: datetime.date | None
    onset: datetime.date | None
    severity: str
    kind: str  # stable, improver, drift, step, staircase, or late (decline started but under 2 points by the end)
    start_total: float
    # The patient's answering habits, for figures by noise and adherence band.
    noise_factor: float = 1.0
    adherence: float = 1.0

    def as_csv(self) -> list[str]:
        return [
            self.patient_id,
            str(self.progresses),
            self.decline_date.isoformat() if self.decline_date else "",
            self.onset.isoformat() if self.onset else "",
            self.severity,
            self.kind,
            f"{self.start_total:.2f}",
            f"{self.noise_factor:.3f}",
            f"{self.adherence:.3f}",
        ]


CHECKIN_HEADER = ["patient_id", "date", "fine_motor", "gait", "sensation", "bladder", "red_flag"]
TRUTH_HEADER = [
    "patient_id",
    "progresses",
    "decline_date",
    "onset",
    "severity",
    "kind",
    "start_total",
    "noise_factor",
    "adherence",
]


def _choose(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    x = rng.random()
    acc = 0.0
    for name, p in weighted:
        acc += p
        if x < acc:
            return name
    return weighted[-1][0]


def _decline_day(rng: random.Random, severity: str) -> float:
    """Day on which the true decline reaches 2 points (inf if after 5 years)."""
    cdf = DECLINE_CDF[severity]
    u = rng.random()
    if u >= cdf[-1]:
        return math.inf
    i = bisect.bisect_right(cdf, u)
    lo, hi = cdf[i - 1], cdf[i]
    return DECLINE_CDF_DAYS[i - 1] + (u - lo) / (hi - lo) * (DECLINE_CDF_DAYS[i] - DECLINE_CDF_DAYS[i - 1])


def _spread_deficit(rng: random.Random, deficit: float) -> list[float]:
    """Latent domain levels whose deficits add up to ``deficit``."""
    levels = [float(m) for m in DOMAIN_MAX]
    weights = [w * rng.uniform(0.5, 1.5) for w in DEFICIT_WEIGHTS]
    left = deficit
    for _ in range(20):
        room = [levels[i] - 0.3 for i in range(4)]
        active = [i for i in range(4) if room[i] > 1e-9]
        if left <= 1e-9 or not active:
            break
        wsum = sum(weights[i] for i in active)
        spent = 0.0
        for i in active:
            take = min(room[i], left * weights[i] / wsum)
            levels[i] -= take
            spent += take
        left -= spent
    return levels


def simulate_patient(
    rng: random.Random,
    patient_id: str,
    start: datetime.date,
    days: int,
    noise: float = 1.0,
    *,
    realism: Realism = REALISTIC,
) -> tuple[list[CheckInRow], TruthRow]:
    # The steps draw from one random stream in a fixed order: reordering them changes every cohort.
    # The realism features draw from a second stream, so that with LEGACY the
    # first stream, and so the cohort, is exactly the first simulator's.
    extra = random.Random(repr(rng.getstate()[1][:8]))
    severity = _choose(rng, SEVERITY_MIX)
    lo, hi = SEVERITY_TOTALS[severity]
    start_total = rng.uniform(lo, hi)
    levels = _spread_deficit(rng, 18.0 - start_total)
    start_total = sum(levels)
    course = _progression(rng, extra, realism, severity, start_total, days)
    share = _decline_shares(rng, levels)
    habits = _habits(rng, extra, realism, days, noise, course.red_flag_days)
    rows = _daily_rows(rng, extra, realism, patient_id, start, days, levels, share, course, habits)
    truth = TruthRow(
        patient_id=patient_id,
        progresses=1 if course.decline_day is not None else 0,
        decline_date=start + datetime.timedelta(days=course.decline_day) if course.decline_day is not None else None,
        onset=start + datetime.timedelta(days=course.onset_day) if course.onset_day is not None else None,
        severity=severity,
        kind=course.kind,
        start_total=start_total,
        noise_factor=habits.consistency,
        adherence=len(rows) / days,
    )
    return rows, truth


@dataclass
class _Course:
    decline: list[float]  # latent decline of the total, by day (negative: an improvement)
    kind: str
    onset_day: int | None
    decline_day: int | None
    red_flag_days: set[int]


def _progression(
    rng: random.Random, extra: random.Random, realism: Realism, severity: str, start_total: float, days: int
) -> _Course:
    """The latent decline of the total per day: stable, improving, a step drop, a staircase or a drift."""
    course = _Course([0.0] * days, "stable", None, None, set())
    t2 = _decline_day(rng, severity)
    if t2 == math.inf:
        if realism.improvers and extra.random() < 0.08:
            _improve(extra, course, days)
        return course
    stairs = None
    if rng.random() < 0.3:
        # Step drop over 1-5 days, sometimes drifting on.
        ramp = rng.randint(1, 5)
        size = rng.uniform(2.5, 4.5) if realism.big_steps else rng.uniform(2.2, 4.0)
        after = rng.uniform(0.0, 2.0) / 365 if rng.random() < 0.5 else 0.0
        kind = "step"
    else:
        # Drift: 2 points over one to six months, going on at the same pace.
        ramp = rng.uniform(30, 180)
        size = None
        after = 2.0 / ramp
        kind = "drift"
        if realism.staircases and extra.random() < 0.2 / 0.7:
            stairs = _staircase(extra)
            ramp = stairs[0]  # days from onset to the step that reaches 2 points
            kind = "staircase"
    onset = max(float(EARLIEST_ONSET), t2 - ramp)
    if onset >= days:
        return course
    course.kind = kind
    course.onset_day = onset_day = int(math.ceil(onset))
    decline = course.decline
    for d in range(onset_day, days):
        x = d - onset
        if stairs is not None:
            v = _staircase_level(stairs[1], x)
        elif size is not None:
            v = size * min(1.0, (x + 1) / ramp) + max(0.0, x - ramp) * after
        else:
            v = x * after
        decline[d] = min(v, start_total - 4.0)
    reached = next((d for d in range(onset_day, days) if decline[d] >= 2.0), None)
    if reached is None:
        course.kind = "late"
    else:
        course.decline_day = reached
        if kind == "step" and rng.random() < 0.4:
            course.red_flag_days.add(onset_day + rng.randint(0, ramp - 1))
    return course


def _staircase(extra: random.Random) -> tuple[float, list[tuple[float, float, float]]]:
    """2-4 steps of 0.7-1.5 points over 1-3 days each, 2-8 weeks apart, adding up to at least 2.2 points.

    Returns (days from onset until the total has fallen 2 points, [(start day, ramp days, size), ...]).
    """
    while True:
        steps, t = [], 0.0
        for _ in range(extra.randint(2, 4)):
            steps.append((t, float(extra.randint(1, 3)), extra.uniform(0.7, 1.5)))
            t += extra.uniform(14, 56)
        if sum(size for *_, size in steps) >= 2.2:
            break
    # The first day on which the staircase has fallen 2 points.
    x = 0.0
    while _staircase_level(steps, x) < 2.0:
        x += 1.0
    return x, steps


def _staircase_level(steps: list[tuple[float, float, float]], x: float) -> float:
    v = 0.0
    for t0, ramp, size in steps:
        if x >= t0:
            v += size * min(1.0, (x - t0 + 1) / ramp)
    return v


def _improve(extra: random.Random, course: _Course, days: int) -> None:
    """A stable patient who improves by 1-3 points over 1-3 months from some day (a treatment that works)."""
    if days <= EARLIEST_ONSET:
        return
    t0 = extra.randint(EARLIEST_ONSET, days - 1)
    size = extra.uniform(1.0, 3.0)
    ramp = extra.uniform(30, 90)
    for d in range(t0, days):
        course.decline[d] = -size * min(1.0, (d - t0 + 1) / ramp)
    course.kind = "improver"


def _decline_shares(rng: random.Random, levels: list[float]) -> list[float]:
    """Which domains carry the decline: one to three, gait and hands most often."""
    affected = [i for i in range(4) if levels[i] > 0.8]
    rng.shuffle(affected)
    affected.sort(key=lambda i: -DEFICIT_WEIGHTS[i] * rng.uniform(0.3, 1.7))
    affected = affected[: rng.choice((1, 2, 2, 3))] or [1]
    share = [0.0] * 4
    wsum = sum(DEFICIT_WEIGHTS[i] for i in affected)
    for i in affected:
        share[i] = DEFICIT_WEIGHTS[i] / wsum
    return share


@dataclass
class _Habits:
    sds: list[float]
    wobble: float
    rho: float
    innov: float
    adherence: float
    bad_day_rate: float
    gaps: set[int]
    consistency: float = 1.0
    # Share of answers with one domain off by one or two points (heavy tails).
    slip_rate: float = 0.0
    # Extra depth per day and domain from flares that build and recover.
    flare: dict[int, list[float]] = dataclasses.field(default_factory=dict)


def _habits(
    rng: random.Random, extra: random.Random, realism: Realism, days: int, noise: float, red_flag_days: set[int]
) -> _Habits:
    """The patient's own noise, wobble, bad days and adherence; adds harmless falls to red_flag_days."""
    consistency = math.exp(rng.gauss(0.0, 0.3))
    if realism.noise_spread:
        # Log-uniform over a factor of three (0.58-1.73), geometric mean 1.
        consistency = math.exp(extra.uniform(-0.55, 0.55))
    sds = [s * noise * consistency for s in NOISE_SD]
    wobble_sd = 0.25 * noise
    rho = 0.85
    innov = wobble_sd * math.sqrt(1 - rho * rho)
    wobble = rng.gauss(0.0, wobble_sd)
    adherence = rng.uniform(0.6, 0.98)
    if realism.low_adherence:
        adherence = 0.55 + (adherence - 0.6) / 0.38 * 0.43  # the same draw, spread over 55-98%
    bad_day_rate = rng.uniform(0.01, 0.05)
    gaps = set()
    for _ in range(_poisson(rng, 1.0 * days / 365)):
        g0 = rng.randrange(days)
        for d in range(g0, min(days, g0 + rng.randint(4, 14))):
            gaps.add(d)
    # A fall without lasting harm: red flag and a bad spell (modelling choice).
    for _ in range(_poisson(rng, 0.1 * days / 365)):
        d = rng.randrange(days)
        red_flag_days.add(d)
    habits = _Habits(sds, wobble, rho, innov, adherence, bad_day_rate, gaps, consistency)
    if realism.low_adherence:
        for _ in range(_poisson(extra, 0.3 * days / 365)):
            g0 = extra.randrange(days)
            gaps.update(range(g0, min(days, g0 + extra.randint(14, 42))))
    if realism.heavy_tails:
        habits.slip_rate = extra.uniform(0.01, 0.05)
    if realism.flares:
        for _ in range(_poisson(extra, 1.0 * days / 365)):
            f0 = extra.randrange(days)
            length = extra.randint(3, 8)
            depth = extra.uniform(1.0, 2.5)
            domains = extra.sample(range(4), extra.choice((1, 2)))
            for j in range(length):
                # Builds to its worst in the middle and recovers (a triangle).
                shape = 1.0 - abs((j + 0.5) / length * 2.0 - 1.0)
                row = habits.flare.setdefault(f0 + j, [0.0] * 4)
                for i in domains:
                    row[i] += depth * shape * 1.3 / len(domains)
    return habits


def _daily_rows(
    rng, extra, realism, patient_id, start, days, levels, share, course: _Course, habits: _Habits
) -> list[CheckInRow]:
    """One answer per day the patient checks in: latent level, wobble, noise and bad spells, rounded to the scale."""
    decline, red_flag_days = course.decline, course.red_flag_days
    sds, rho, innov, wobble = habits.sds, habits.rho, habits.innov, habits.wobble
    flare, slip_rate = habits.flare, habits.slip_rate
    rows: list[CheckInRow] = []
    bad_left = 0
    bad_depth = [0.0] * 4
    for d in range(days):
        wobble = rho * wobble + rng.gauss(0.0, innov)
        if bad_left == 0 and (rng.random() < habits.bad_day_rate or d in red_flag_days):
            bad_left = 1 + min(2, int(rng.expovariate(1.2)))
            depth = rng.uniform(1.0, 3.0)
            bad_depth = [0.0] * 4
            for i in rng.sample(range(4), rng.choice((1, 2, 2))):
                bad_depth[i] = depth / 2 if depth > 2 else depth
        bad = bad_left > 0
        if bad:
            bad_left -= 1
        if d in habits.gaps or (rng.random() > habits.adherence and d not in red_flag_days):
            continue
        flare_today = flare.get(d)
        values = []
        for i in range(4):
            x = levels[i] - decline[d] * share[i] + wobble * 0.25 + rng.gauss(0.0, sds[i])
            if bad:
                x -= bad_depth[i]
            if flare_today is not None:
                x -= flare_today[i]
            v = int(math.floor(x + 0.5))
            values.append(0 if v < 0 else DOMAIN_MAX[i] if v > DOMAIN_MAX[i] else v)
        if slip_rate and extra.random() < slip_rate:
            i = extra.randrange(4)
            off = (1 if extra.random() < 0.7 else 2) * (1 if extra.random() < 0.5 else -1)
            v = values[i] + off
            values[i] = 0 if v < 0 else DOMAIN_MAX[i] if v > DOMAIN_MAX[i] else v
        spurious = rng.random() < 0.0005
        rows.append(
            CheckInRow(
                patient_id,
                start + datetime.timedelta(days=d),
                values[0],
                values[1],
                values[2],
                values[3],
                1 if (d in red_flag_days or spurious) else 0,
            )
        )
    return rows


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def simulate_cohort(
    patients: int,
    days: int,
    seed: int,
    noise: float = 1.0,
    start: datetime.date = datetime.date(2025, 1, 1),
    *,
    realism: Realism = REALISTIC,
) -> Iterator[tuple[list[CheckInRow], TruthRow]]:
    """One (check-ins, truth) pair per patient; the same seed gives the same cohort."""
    if patients < 1 or days < 1:
        raise ValueError("patients and days must be at least 1")
    if noise < 0:
        raise ValueError("noise must not be negative")
    width = max(4, len(str(patients)))
    for n in range(1, patients + 1):
        # One generator per patient: adding patients does not change the others.
        rng = random.Random(f"{seed}:{n}")
        yield simulate_patient(rng, f"P{n:0{width}d}", start, days, noise, realism=realism)


def write_cohort(
    out_path: str,
    truth_path: str,
    *,
    patients: int,
    days: int,
    seed: int,
    noise: float = 1.0,
    realism: Realism = REALISTIC,
) -> tuple[int, int]:
    """Write the check-ins and the truth as CSV; returns (check-ins, progressors)."""
    n_rows = 0
    n_prog = 0
    with open(out_path, "w", newline="") as out, open(truth_path, "w", newline="") as tout:
        w = csv.writer(out, lineterminator="\n")
        tw = csv.writer(tout, lineterminator="\n")
        w.writerow(CHECKIN_HEADER)
        tw.writerow(TRUTH_HEADER)
        for rows, truth in simulate_cohort(patients, days, seed, noise, realism=realism):
            w.writerows(r.as_csv() for r in rows)
            tw.writerow(truth.as_csv())
            n_rows += len(rows)
            n_prog += truth.progresses
    return n_rows, n_prog


def default_truth_path(out: str) -> str:
    path = Path(out)
    stem = path.name[: -len(".csv")] if path.name.endswith(".csv") else path.name
    return str(path.with_name(f"{stem}.truth.csv"))

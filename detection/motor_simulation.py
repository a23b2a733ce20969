"""Weekly objective motor tests for the simulated cohort: tap (each hand), step and walk.

The tests follow the same patients as ``detection.simulation``: its
``simulate_patient`` / ``simulate_cohort`` give each patient's daily
self-reports and the truth (onset and decline date), and this module adds
what a phone would have measured on the days the patient did the tests.

Where the latent levels come from. The simulator keeps each patient's latent
(true) hand and walking levels inside ``simulate_patient``; its public output
is the reported scores and the truth. Until it returns the latent levels
(``latent=`` below takes them), ``estimate_latent`` recovers them from the
reports: per domain, a straight line through the reports within 4 weeks
either side (wider when the patient missed days), bad days left out, never
reaching across the true onset, so a decline cannot leak into the days
before it started. On stable patients the estimate moves by SD 0.08 point
over the year (the simulator's own slow wobble is 0.06), against test noise
worth 0.3-0.6 point. A step within a segment (a staircase's later steps)
is smeared over the window: up to a couple of weeks early or late.

The figures (shared/CLINICAL.md, "Objective tests a phone can run"):

* taps in 10 s (the phone's two-target version of the 10-s grip-and-release
  test; that the counts scale alike is a modelling choice): healthy weaker
  hand 21.5 +/- 5.5; below 16 suggests moderate and below 13 severe hand
  impairment; the cut-offs fall with age (20 in the 40s to 16 in the 70s);
* steps in 10 s: 10.7 +/- 5.5 in DCM, 19.6 +/- 3.5 in controls;
* timed walk: repeatable, r > 0.95;
* practice: tapping-style tests gain most of their final improvement within a
  few dozen daily tries (Floodlight); weekly tries are fewer, each a separate
  session, so the gain here is spread over the first few tries (modelling
  choice: 8-25% below the plateau at the first tap try, halving every 1-3.5
  tries).

Everything else (adherence, the level-to-count tables, the test-retest
noise, the "could not do it" chances) is a modelling choice, named where it
is made. ``noise`` multiplies the within-person test-retest noise, as it does
the self-reports' noise in ``detection.simulation``.
"""

from __future__ import annotations

import bisect
import datetime
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from detection.motor_rules import STEP, TAP_LEFT, TAP_RIGHT, WALK, MotorTry
from detection.rules import median as grouped_median
from detection.simulation import simulate_cohort

# Latent mJOA hand level (0-5) -> mean taps in 10 s at plateau, for a healthy-
# for-age person factor of 1. Level 5 is the healthy figure (21.5); hands that
# "button with great difficulty" (3) fall under the moderate cut-off (16) and
# "cannot button" (2) under the severe one (13). Modelling choice between those.
TAP_LEVELS = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)
TAP_MEANS = (1.0, 6.0, 11.0, 14.5, 18.0, 21.5)
# Latent mJOA gait level (0-7) -> steps in 10 s. The simulated cohort's
# walking levels (median about 6, a tenth below 4.2) then average near the
# DCM figure (10.7 +/- 5.5). Level 7 ("no difficulty") is 16.5, under the
# controls' 19.6: our patients are older than those controls, and a steeper
# last point would turn the latent level's small wobble into step counts.
# Modelling choice between.
# Below 2.5 (cannot walk) the test cannot be done.
STEP_LEVELS = (2.5, 3.0, 4.0, 5.0, 6.0, 7.0)
STEP_MEANS = (2.5, 4.5, 7.0, 9.5, 12.0, 16.5)
# Latent gait level -> walking speed in m/s over 10 m (modelling choice: older
# adults walk about 1.3 m/s; a walking aid about 0.5).
WALK_LEVELS = (2.5, 3.0, 4.0, 5.0, 6.0, 7.0)
WALK_MEANS = (0.3, 0.5, 0.75, 0.9, 1.1, 1.3)
CANNOT_WALK = 2.5

# Within-person test-retest noise at noise 1, as a share of the value.
# Taps: a between-person SD of 5.5 on 21.5 with a test-retest ICC of about
# 0.85 (modelling choice) leaves 5.5 * sqrt(0.15) = 2.1 taps, 10%. Walk:
# r > 0.95 on a between-person spread of about 25% leaves about 6% (the
# patient's own start/stop presses add a little). Steps: counted by the
# phone's motion sensor or a helper, noisier (12%).
TAP_CV = 0.10
STEP_CV = 0.12
WALK_CV = 0.06
# Distracted or mis-started tries (a phone call, a late start), a share of
# tries, which come out this much lower: heavy tails the Gaussian lacks.
MISHAP_RATE = 0.04
MISHAP_RANGE = (0.55, 0.85)

# Weekly tests, done less faithfully than the daily check-in (issue 14:
# "optional, suggested weekly"): each patient does a week's tests with a
# probability of 35-90%, and not during a run of missed check-ins (away,
# in hospital).
TEST_ADHERENCE = (0.35, 0.90)
MEASURE_DONE = {TAP_LEFT: 0.95, TAP_RIGHT: 0.95, STEP: 0.85, WALK: 0.85}

DEFAULT_START = datetime.date(2025, 1, 1)


@dataclass(frozen=True)
class MotorTraits:
    """One patient's own test habits and abilities (drawn once)."""

    weekday: int
    adherence: float
    # Some people do a test more consistently than others: a factor on the
    # test-retest noise, log-uniform over 0.7-1.42 (modelling choice, milder
    # than the threefold spread of the self-reports).
    test_noise: float
    tap_factor: float  # person factor on the tap table (age, dexterity)
    step_factor: float
    walk_factor: float
    # The hands do not share the myelopathy equally: a fixed deficit of the
    # weaker hand and each hand's share of a later decline (mean 1).
    left_offset: float
    right_offset: float
    left_share: float
    right_share: float
    # Practice: deficit at the first try and the tries it takes to halve.
    tap_practice: float
    tap_halving: float
    step_practice: float
    step_halving: float
    walk_practice: float
    walk_halving: float


def draw_traits(rng: random.Random) -> MotorTraits:
    # Person factors: older than the healthy volunteers (cut-off 16-17 for a
    # patient in their 60s-70s against 20 in their 40s), and spread like the
    # published SDs once the test noise is added.
    age = rng.uniform(0.78, 1.0)
    weaker = rng.uniform(0.0, 0.5)
    left_weaker = rng.random() < 0.5
    share = rng.uniform(0.4, 1.6)
    return MotorTraits(
        weekday=rng.randrange(7),
        adherence=rng.uniform(*TEST_ADHERENCE),
        test_noise=math.exp(rng.uniform(-0.35, 0.35)),
        tap_factor=age * math.exp(rng.gauss(0.0, 0.15)),
        step_factor=rng.uniform(0.8, 1.0) * math.exp(rng.gauss(0.0, 0.2)),
        walk_factor=math.exp(rng.gauss(0.0, 0.15)),
        left_offset=weaker if left_weaker else 0.0,
        right_offset=0.0 if left_weaker else weaker,
        left_share=share,
        right_share=2.0 - share,
        tap_practice=rng.uniform(0.08, 0.25),
        tap_halving=rng.uniform(1.0, 3.5),
        step_practice=rng.uniform(0.03, 0.12),
        step_halving=rng.uniform(1.0, 2.5),
        walk_practice=rng.uniform(0.0, 0.06),
        walk_halving=rng.uniform(1.0, 2.0),
    )


def _interp(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect.bisect_right(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def tap_mean(hand_level: float) -> float:
    """Mean taps in 10 s at plateau for a latent hand level (person factor 1)."""
    return _interp(TAP_LEVELS, TAP_MEANS, hand_level)


def step_mean(gait_level: float) -> float:
    return _interp(STEP_LEVELS, STEP_MEANS, gait_level)


def walk_mean(gait_level: float) -> float:
    return _interp(WALK_LEVELS, WALK_MEANS, gait_level)


# ----- latent levels -----


class LatentLevels(Sequence):
    """The latent level of one domain per day, estimated from the self-reports on first reading.

    Lazy because a patient tests on about one day in ten: estimating only
    those days makes a 1,000-patient cohort several times faster.
    """

    def __init__(
        self, rows: Sequence, onset: datetime.date | None, start: datetime.date, days: int, domain: str, half: int
    ):
        self._by_day: list[int | None] = [None] * days
        for r in rows:
            d = (r.date - start).days
            if 0 <= d < days:
                self._by_day[d] = getattr(r, domain)
        self._cut = (onset - start).days if onset is not None else None
        self._half = half
        self._cache: dict[int, float | None] = {}

    def __len__(self) -> int:
        return len(self._by_day)

    def __getitem__(self, d):  # type: ignore[override]
        if isinstance(d, slice):
            return [self[i] for i in range(*d.indices(len(self)))]
        if d < 0:
            d += len(self)
        if not 0 <= d < len(self):
            raise IndexError(d)
        if d not in self._cache:
            days, cut = len(self), self._cut
            lo, hi = (0, days) if cut is None else ((0, cut) if d < cut else (cut, days))
            self._cache[d] = _local_level(self._by_day, d, lo, hi, self._half)
        return self._cache[d]


def estimate_latent(
    rows: Sequence, onset: datetime.date | None, start: datetime.date, days: int, domain: str, *, half_window: int = 28
) -> Sequence[float | None]:
    """The latent level of ``domain`` per day, from the self-reports (see the module docstring).

    None on days with no reports within 60 days in the same segment.
    """
    return LatentLevels(rows, onset, start, days, domain, half_window)


def _local_level(by_day: list[int | None], d: int, lo_seg: int, hi_seg: int, half: int) -> float | None:
    """A straight line through the reports within ``half`` days of day d, read at d.

    A line rather than a mean so that a drift is not read early or late at
    the edges of the data (or of the segment after the onset); bad days (a
    point or more under the window's median) are left out so that spells
    that recover do not pull the level down.
    """
    h = half
    while True:
        pts = [(x, v) for x in range(max(lo_seg, d - h), min(hi_seg, d + h + 1)) if (v := by_day[x]) is not None]
        if len(pts) >= 7 or h >= 60:
            break
        h += 7
    if not pts:
        return None
    floor = grouped_median([v for _, v in pts]) - 1.0
    pts = [(x, v) for x, v in pts if v >= floor]
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(v for _, v in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    slope = sum((x - mx) * (v - my) for x, v in pts) / sxx if sxx > 0 else 0.0
    return my + slope * (d - mx)


# ----- the tests -----


def _could_not(rng: random.Random, level: float, hopeless: float, hard: float) -> bool:
    """ "Could not do it today": always below ``hopeless``, more often on the way down to it."""
    if level < hopeless:
        return True
    p = 0.015 + 0.15 * min(1.0, max(0.0, (hard - level) / (hard - hopeless)))
    return rng.random() < p


def _measured(rng: random.Random, mean: float, cv: float) -> float:
    x = mean * (1.0 + rng.gauss(0.0, cv))
    if rng.random() < MISHAP_RATE:
        x *= rng.uniform(*MISHAP_RANGE)
    return max(0.0, x)


def simulate_motor_tries(
    rng: random.Random,
    rows: Sequence,
    truth,
    *,
    start: datetime.date = DEFAULT_START,
    days: int = 365,
    noise: float = 1.0,
    latent: tuple[Sequence[float | None], Sequence[float | None]] | None = None,
    traits: MotorTraits | None = None,
) -> list[MotorTry]:
    """One patient's weekly motor tries, in date order.

    ``rows`` and ``truth`` are one patient of ``simulate_cohort``; ``latent``
    is (hand levels by day, gait levels by day) if known, else estimated.
    """
    traits = traits or draw_traits(rng)
    if latent is None:
        hand = estimate_latent(rows, truth.onset, start, days, "fine_motor")
        gait = estimate_latent(rows, truth.onset, start, days, "gait")
    else:
        hand, gait = latent
    checkin_days = sorted((r.date - start).days for r in rows)
    # The patient's own level before any decline, to split a fall between the hands.
    hand0 = next((h for h in hand if h is not None), None)  # the first reported days: cheap
    done = {TAP_LEFT: 0, TAP_RIGHT: 0, STEP: 0, WALK: 0}
    cv_scale = noise * traits.test_noise
    out: list[MotorTry] = []
    first = (traits.weekday - start.weekday()) % 7
    for week_day in range(first, days, 7):
        d = week_day + rng.choice((-1, 0, 0, 0, 1))
        if not 0 <= d < days or rng.random() > traits.adherence or not _near_checkin(checkin_days, d):
            continue
        h, g = hand[d], gait[d]
        if h is None or g is None:
            continue
        date = start + datetime.timedelta(days=d)
        for side, offset, share in (
            (TAP_LEFT, traits.left_offset, traits.left_share),
            (TAP_RIGHT, traits.right_offset, traits.right_share),
        ):
            if rng.random() > MEASURE_DONE[side]:
                continue
            level = hand0 - offset - (hand0 - h) * share if h < hand0 else h - offset
            if _could_not(rng, level, 0.5, 1.5):
                out.append(MotorTry(date, side, None))
                continue
            practice = 1.0 - traits.tap_practice * 0.5 ** (done[side] / traits.tap_halving)
            mean = tap_mean(level) * traits.tap_factor * practice
            out.append(MotorTry(date, side, float(round(_measured(rng, mean, TAP_CV * cv_scale)))))
            done[side] += 1
        for measure, table, factor, p0, halving, cv in (
            (STEP, step_mean, traits.step_factor, traits.step_practice, traits.step_halving, STEP_CV),
            (WALK, walk_mean, traits.walk_factor, traits.walk_practice, traits.walk_halving, WALK_CV),
        ):
            if rng.random() > MEASURE_DONE[measure]:
                continue
            # The safety screen: not on a bad-balance day, so falling walking
            # levels bring "could not do it" days before the test is impossible.
            if _could_not(rng, g, CANNOT_WALK, 4.0):
                out.append(MotorTry(date, measure, None))
                continue
            practice = 1.0 - p0 * 0.5 ** (done[measure] / halving)
            value = _measured(rng, table(g) * factor * practice, cv * cv_scale)
            out.append(MotorTry(date, measure, float(round(value)) if measure == STEP else round(value, 2)))
            done[measure] += 1
    return out


def _near_checkin(checkin_days: list[int], d: int, within: int = 3) -> bool:
    i = bisect.bisect_left(checkin_days, d - within)
    return i < len(checkin_days) and checkin_days[i] <= d + within


@dataclass
class MotorPatient:
    rows: list  # the self-reports (detection.simulation.CheckInRow)
    truth: object  # detection.simulation.TruthRow
    tries: list[MotorTry]


def simulate_motor_cohort(
    patients: int,
    days: int,
    seed: int,
    noise: float = 1.0,
    start: datetime.date = DEFAULT_START,
    **simulation_options,
) -> Iterator[MotorPatient]:
    """The cohort of ``simulate_cohort(patients, days, seed, noise)`` with each patient's motor tries.

    The motor tests draw from their own random stream per patient, so the
    self-reports are exactly ``simulate_cohort``'s. ``simulation_options``
    pass through to it (e.g. ``realism=``).
    """
    for n, (rows, truth) in enumerate(simulate_cohort(patients, days, seed, noise, start, **simulation_options), 1):
        rng = random.Random(f"motor:{seed}:{n}")
        tries = simulate_motor_tries(rng, rows, truth, start=start, days=days, noise=noise)
        yield MotorPatient(rows, truth, tries)

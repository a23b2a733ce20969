"""Progression detection rules: personal baselines, episodes and evidence.

Pure Python, no Django. The live evaluation (a Celery task per check-in and
the nightly sweep) and the offline replay both go through ``PatientDetector``,
so they cannot disagree.

Clinical grounding (see docs/detection.md and shared/CLINICAL.md):

* the mJOA total's MCID is 2 points, and the patient-reported total differs
  from a clinician's by SD 1.5, so one day's 2-point drop is not evidence;
  a drop that persists over several check-ins is;
* daily self-reports have bad days that recover, hence medians and counts
  over windows of check-ins rather than single values;
* a step drop of several points within days (after a fall, say) needs the
  care team quickly, hence ``rapid_decline`` as urgent;
* slow drifts over months hide inside the day-to-day noise, hence a CUSUM on
  deviations from baseline scaled by the patient's own day-to-day variation.

A detector is incremental: it keeps the few recent check-ins it needs and a
handful of numbers, and serialises to a JSON-safe dict so the database can
keep it per patient and the nightly sweep only reads new check-ins.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias, cast

from detection.posterior import EARLIER_DOWN_KEY, EARLIER_SKIP, with_probability
from detection.scales import DOMAIN_KEYS, DOMAIN_LABELS, MCID_TOTAL

try:
    from mypy_extensions import mypyc_attr
except ImportError:  # pragma: no cover - only mypyc reads the marks; without it they do nothing

    def mypyc_attr(*attrs: str, **kwattrs: object) -> Any:  # type: ignore[misc]
        return lambda cls: cls


# A score, median or threshold: whole points may stay int (a baseline typed in
# by hand, a setting read from JSON) and must come out as they went in. Where
# mypyc compiles this module a plain ``float`` annotation would turn 4 into
# 4.0 on the way through (and change the saved state and evidence); a union
# is kept as the Python object it is.
Points: TypeAlias = int | float

# Final: where mypyc compiles this module these are constants in the C code,
# not a look-up in the module's globals on every check-in.
URGENT: Final = "urgent"
HIGH: Final = "high"
MODERATE: Final = "moderate"
LOW: Final = "low"

RED_FLAG: Final = "red_flag"
SUSTAINED_DECLINE: Final = "sustained_decline"
DOMAIN_DECLINE: Final = "domain_decline"
RAPID_DECLINE: Final = "rapid_decline"
DRIFT: Final = "drift"
MISSED_CHECKINS: Final = "missed_checkins"

RULES = (RED_FLAG, SUSTAINED_DECLINE, DOMAIN_DECLINE, RAPID_DECLINE, DRIFT, MISSED_CHECKINS)
# Rules that say "the myelopathy is getting worse"; scoring counts only these.
DECLINE_RULES: Final = frozenset({SUSTAINED_DECLINE, DOMAIN_DECLINE, RAPID_DECLINE, DRIFT})

DOMAINS = DOMAIN_KEYS

# The format of PatientDetector.to_dict(). A state of another version does not
# load (ValueError): the evaluation then rebuilds the detector from the whole
# history, which gives exactly the state and episodes the new rules would have.
# 1: the first rules; 2: robust noise (median of successive differences),
# Huber-clipped drift CUSUM and the persistence-based rapid_decline.
STATE_VERSION = 2

# Successive differences of the total are counted in bins 0..DIFF_BINS-1
# (the total is 0-18, so every difference fits).
DIFF_BINS = 19

OPENED: Final = "opened"
CLOSED: Final = "closed"

# Why an episode closed.
RECOVERED: Final = "recovered"
REBASELINED: Final = "rebaselined"
CHECKED_IN: Final = "checked_in"
CLOSED_BY_CLINICIAN: Final = "closed_by_clinician"


class OutOfOrderCheckIn(ValueError):
    """A check-in not later than the last one fed; rebuild from history instead."""


# Where mypyc compiles this module (tools/compile_detector.py), the value
# classes stay ordinary Python classes (native_class=False): frozen dataclass
# behaviour, equality, repr and what the app does with them are unchanged.
# Only PatientDetector, the per-check-in hot loop, becomes a native class.
@mypyc_attr(native_class=False)
@dataclass(frozen=True, slots=True)
class DayScore:
    date: datetime.date
    fine_motor: int
    gait: int
    sensation: int
    bladder: int
    red_flag: bool = False

    @property
    def total(self) -> int:
        return self.fine_motor + self.gait + self.sensation + self.bladder


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Baseline:
    fine_motor: Points
    gait: Points
    sensation: Points
    bladder: Points
    total: Points
    # Which check-ins it came from; None for a baseline set by hand.
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None
    checkins: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "fine_motor": self.fine_motor,
            "gait": self.gait,
            "sensation": self.sensation,
            "bladder": self.bladder,
            "total": self.total,
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "checkins": self.checkins,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Baseline:
        return cls(
            fine_motor=float(data["fine_motor"]),
            gait=float(data["gait"]),
            sensation=float(data["sensation"]),
            bladder=float(data["bladder"]),
            total=float(data["total"]),
            first_date=_parse_date(data.get("first_date")),
            last_date=_parse_date(data.get("last_date")),
            checkins=int(data.get("checkins") or 0),
        )

    @classmethod
    def by_hand(cls, *, fine_motor: Points, gait: Points, sensation: Points, bladder: Points) -> Baseline:
        """A baseline a clinician types in; the total is the sum of the domains."""
        return cls(fine_motor, gait, sensation, bladder, fine_motor + gait + sensation + bladder)

    def domain(self, key: str) -> Points:
        return getattr(self, key)


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class RuleConfig:
    """Every threshold of the rules. Defaults are the clinical ones.

    Build from Django's ``MYELOTRACK_RULES`` and a care team's overrides with
    ``RuleConfig.from_dict({...})``; unknown keys are an error, not ignored.
    """

    # Minimal clinically important difference of the mJOA total (Tetreault 2015).
    mcid: Points = MCID_TOTAL
    # Drop in one domain that counts as a domain decline (scale coarseness).
    fine_motor_threshold: Points = 2.0
    gait_threshold: Points = 2.0
    sensation_threshold: Points = 1.0
    bladder_threshold: Points = 1.0
    # Baseline: median of the first N check-ins that fall within M days.
    baseline_checkins: int = 7
    baseline_days: int = 14
    # A decline before the baseline formed: when the baseline window had to
    # slide on (a patient who skipped days early on), the check-ins it left
    # behind still say where the patient started. If at least
    # prebaseline_checkins of them (the last baseline_checkins left behind)
    # have a median total at least prebaseline_drop above the baseline just
    # formed, sustained_decline opens then: comparing later check-ins with
    # that baseline could never see the fall (tuned on seeds 1-2,
    # docs/detection.md "Declines before the baseline").
    prebaseline_checkins: int = 3
    prebaseline_drop: Points = 2.5
    # sustained_decline / domain_decline: the median of the last N check-ins
    # (only those within window_days of the latest) is past the threshold.
    # N is sustained_checkins for a patient whose day-to-day SD of the total
    # is at most reference_sd, and grows with the square of their SD (the
    # standard error of a median falls with the square root of N) up to
    # sustained_max_checkins; window_days grows in proportion.
    sustained_checkins: int = 7
    sustained_max_checkins: int = 24
    sustained_min_checkins: int = 5
    reference_sd: Points = 0.7
    window_days: int = 14
    # rapid_decline: the last N check-ins, all within rapid_days, are each at
    # least rapid_each_drop below baseline and on average at least rapid_drop
    # below it. N = 4 because a bad spell lasts 1-3 days: four check-ins down
    # is a change that persists. The median of the rapid_reference_checkins
    # before them is the "fell from" level of the evidence.
    rapid_drop: Points = 2.5
    rapid_each_drop: Points = 2.0
    # ...and the average drop is at least rapid_z of the patient's day-to-day
    # SD: for a noisy patient four check-ins are weaker evidence.
    rapid_z: Points = 2.5
    rapid_checkins: int = 4
    rapid_days: int = 7
    rapid_reference_checkins: int = 7
    # ...or, sooner, the last rapid_early_checkins (3) check-ins when the
    # evidence is strong: each at least rapid_early_each_drop down, and on
    # average rapid_early_drop and rapid_early_z day-to-day SDs (a
    # likelihood-ratio test on fewer check-ins needs a larger shift). A step
    # that persists is then seen on its 3rd check-in down; a 1-3 day bad
    # spell that fills three check-ins in a row looks the same, so the early
    # test asks for a deeper drop than the 4-check-in one (tuned on seeds
    # 1-2, docs/detection.md). rapid_early_checkins at or above
    # rapid_checkins turns the early test off (so a care team's older
    # override of rapid_checkins 2 or 3 still means what it meant).
    rapid_early_checkins: int = 3
    rapid_early_each_drop: Points = 2.5
    rapid_early_drop: Points = 3.0
    rapid_early_z: Points = 4.0
    # A rule re-arms when this many consecutive check-ins are back within the
    # threshold of baseline; an alert still open is then closed as recovered.
    rearm_checkins: int = 7
    # drift: one-sided CUSUM of (baseline - total - allowance) / sd, where sd is
    # the patient's own day-to-day variation (the median of the successive
    # differences, robust to the odd wild answer). Each step is Huber-clipped
    # to +-drift_max_step, so neither one terrible day nor one very good one
    # decides it.
    drift_allowance: Points = 1.5
    drift_threshold: Points = 12.0
    drift_min_sd: Points = 0.6
    drift_max_step: Points = 2.0
    # missed_checkins: no check-in for this many days.
    missed_checkins_days: int = 3
    # The named operating point these thresholds came from (OPERATING_POINTS);
    # recorded for the care team's settings, not read by the rules.
    operating_point: str = "balanced"
    # Severities, which a care team may raise or lower.
    red_flag_severity: str = URGENT
    sustained_decline_severity: str = HIGH
    domain_decline_severity: str = MODERATE
    rapid_decline_severity: str = URGENT
    drift_severity: str = MODERATE
    missed_checkins_severity: str = LOW

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "operating_point":
                if value not in OPERATING_POINTS:
                    raise ValueError(f"operating_point must be {_point_names()}, not {value!r}")
                continue
            if f.name.endswith("_severity"):
                if value not in (URGENT, HIGH, MODERATE, LOW):
                    raise ValueError(f"{f.name} must be urgent, high, moderate or low, not {value!r}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{f.name} must be a number, not {value!r}")
            if _is_int_field(f) and int(value) != value:
                raise ValueError(f"{f.name} must be a whole number, not {value!r}")
            if value <= 0 and f.name != "drift_allowance":
                raise ValueError(f"{f.name} must be positive, not {value!r}")
            if value < 0:
                raise ValueError(f"{f.name} must not be negative, not {value!r}")
        if self.sustained_min_checkins > self.sustained_checkins:
            raise ValueError("sustained_min_checkins must not exceed sustained_checkins")
        if self.sustained_max_checkins < self.sustained_checkins:
            raise ValueError("sustained_max_checkins must not be below sustained_checkins")

    @classmethod
    def from_dict(cls, overrides: Mapping[str, Any] | None = None) -> RuleConfig:
        """Defaults, then the named operating point's thresholds if one is given, then the other keys."""
        overrides = dict(overrides or {})
        point = overrides.get("operating_point")
        return cls._build({**operating_point_settings(point), **overrides} if point is not None else overrides)

    @classmethod
    def _build(cls, values: Mapping[str, Any]) -> RuleConfig:
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown rule setting(s): {', '.join(unknown)}")
        out = {}
        for key, value in values.items():
            if _is_int_field(known[key]) and isinstance(value, float) and value.is_integer():
                value = int(value)
            out[key] = value
        return cls(**out)

    def merged(self, overrides: Mapping[str, Any] | None) -> RuleConfig:
        """This config with a care team's overrides on top.

        A care team's ``operating_point`` replaces the thresholds it names
        (whatever the site set for them); the team's other keys go on top of that.
        """
        overrides = dict(overrides or {})
        values = self.to_dict()
        point = overrides.get("operating_point")
        if point is not None:
            values.update(operating_point_settings(point))
        return RuleConfig._build({**values, **overrides})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def severity(self, rule: str) -> str:
        return getattr(self, f"{rule}_severity")

    def domain_threshold(self, key: str) -> Points:
        return getattr(self, f"{key}_threshold")

    @property
    def history_size(self) -> int:
        return max(
            self.sustained_max_checkins,
            self.rearm_checkins,
            self.rapid_checkins + self.rapid_reference_checkins,
        )


def _is_int_field(f: dataclasses.Field) -> bool:
    # Interpreted, annotations are strings (from __future__ import annotations);
    # compiled by mypyc, the dataclass sees the type itself.
    return f.type in ("int", int)


def evidence_settings(level: Points) -> dict[str, Any]:
    """The thresholds of one setting of the single sensitivity dial, ``level``.

    1.0 is the default (balanced); above 1 asks for more evidence before a
    decline alert (fewer false alerts, later), below 1 for less. The dial
    scales the statistical thresholds together and leaves the clinical ones
    (the MCID, the domain thresholds, the baseline) alone: how many SDs the
    rapid_decline drop must reach (both tests), the drift CUSUM's threshold, and the
    window of sustained_decline/domain_decline (through reference_sd: the
    window grows with (sd / reference_sd)^2, and its cap).
    """
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.2 <= level <= 5:
        raise ValueError(f"the evidence level must be a number from 0.2 to 5, not {level!r}")
    return {
        "rapid_z": round(2.5 * level, 4),
        "rapid_early_z": round(4.0 * level, 4),
        "drift_threshold": round(12.0 * level, 4),
        "reference_sd": round(0.7 / level, 4),
        "sustained_max_checkins": max(7, int(round(24 * level))),
    }


# Named operating points a care team chooses from (docs/detection.md shows
# each one's figures). balanced is the default thresholds, spelt out, so that
# choosing it undoes another choice.
OPERATING_POINT_LEVELS = {"conservative": 1.25, "balanced": 1.0, "early": 0.8}
OPERATING_POINTS = {
    name: {**evidence_settings(level), "operating_point": name} for name, level in OPERATING_POINT_LEVELS.items()
}


def _point_names() -> str:
    names = list(OPERATING_POINTS)
    return ", ".join(names[:-1]) + " or " + names[-1]


def operating_point_settings(name: Any) -> dict[str, Any]:
    """The thresholds of a named operating point; ValueError naming the choices for anything else."""
    if not isinstance(name, str) or name not in OPERATING_POINTS:
        raise ValueError(f"operating_point must be {_point_names()}, not {name!r}")
    return dict(OPERATING_POINTS[name])


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Event:
    """An alert episode opening or closing; what the database turns into rows."""

    kind: str  # OPENED or CLOSED
    rule: str
    severity: str
    date: datetime.date
    evidence: str
    evidence_data: dict[str, Any] = field(default_factory=dict)
    # For CLOSED: RECOVERED, REBASELINED, CHECKED_IN or CLOSED_BY_CLINICIAN.
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "severity": self.severity,
            "date": self.date.isoformat(),
            "evidence": self.evidence,
            "evidence_data": self.evidence_data,
            "reason": self.reason,
        }


def _new_event(
    kind: str, rule: str, severity: str, date: datetime.date, evidence: str, data: dict[str, Any], reason: str
) -> Event:
    """``Event(kind, rule, ...)`` for the detector's own events, about ten times cheaper.

    A frozen dataclass's generated ``__init__`` is interpreted and sets each
    of its seven fields through ``object.__setattr__``: about 10,000
    instructions, which a replay pays for every episode that opens or
    closes (callgrind). Filling the new instance's ``__dict__`` with every
    field, in field order, leaves the same object (equality, repr,
    ``to_dict`` and hash read the fields); Event has no ``__post_init__`` to
    skip. tests/detection/test_event_construction.py holds it to ``Event()``.
    One item at a time: ``update(kind=..., ...)`` first builds a dict of
    keyword arguments, which cost more than the seven stores.
    """
    event: Event = object.__new__(Event)
    fields = event.__dict__
    fields["kind"] = kind
    fields["rule"] = rule
    fields["severity"] = severity
    fields["date"] = date
    fields["evidence"] = evidence
    fields["evidence_data"] = data
    fields["reason"] = reason
    return event


def median(values: Sequence[Points]) -> float:
    """The median of whole-point scores, interpolated within ties.

    Scores are whole points, so the plain median jumps: a patient answering
    2 and 3 about equally often gets 3 one week and 2 the next, which looks
    like a 1-point change. The grouped-data median treats each value v as
    the interval [v - 0.5, v + 0.5] and interpolates, so that patient sits
    near 2.5 and only a real shift moves it. It is still a median: one bad
    day moves it by a fraction of a point at most.
    """
    ordered = sorted(values)
    n = len(ordered)
    m = ordered[n // 2]
    below = ordered.index(m)
    return m - 0.5 + (n / 2.0 - below) / ordered.count(m)


def _median_not_down(values: list[int], n: int, base: float, drop: float) -> bool:
    """True when ``base - median(values[-n:]) < drop`` for certain, found without a sort.

    The windowed rules ask on every check-in that is down whether the
    window's median is down too, and nearly always it is not (13,734 windows
    of totals and 22,495 of domains in a year of 1,000 patients; 297
    episodes opened): this answers most of them with one pass and nothing
    made. median() of whole points is at least m - 0.5, m being the middle
    value in sorted order (index n // 2): it adds a fraction >= 0 to m - 0.5.
    The values v with base - (v - 0.5) >= drop are the lowest ones (the
    test is monotone in v, rounding included); if at most n // 2 of the n
    pass it, m is not among them, so base - median <= base - (m - 0.5) <
    drop, as computed in floats, not only on paper. False says nothing:
    the caller then computes the median as before.
    """
    low = 0
    end = len(values)
    for j in range(end - n, end):
        if base - (values[j] - 0.5) >= drop:
            low += 1
    return low <= n // 2


def compute_baseline(
    days: Iterable[DayScore], config: RuleConfig | None = None, *, start: datetime.date | None = None
) -> Baseline | None:
    """Median of the first ``baseline_checkins`` check-ins within ``baseline_days``.

    The window opens at ``start`` (a re-baseline date) or at the first
    check-in. When the first window closes with too few check-ins (a patient
    who skipped days), it slides on: the baseline is the first run of N
    check-ins that fits within M days. None until there is one.
    """
    config = config or RuleConfig()
    window: list[DayScore] = []
    for day in sorted(days, key=lambda d: d.date):
        if start is not None and day.date < start:
            continue
        window.append(day)
        found = _baseline_from_window(window, config)
        if found is not None:
            return found
    return None


def _baseline_from_window(window: list[DayScore], config: RuleConfig) -> Baseline | None:
    """Trim the window to the span allowed; a Baseline once it holds enough check-ins."""
    limit = config.baseline_days - 1
    while (window[-1].date - window[0].date).days > limit:
        window.pop(0)
    if len(window) < config.baseline_checkins:
        return None
    return Baseline(
        fine_motor=median([d.fine_motor for d in window]),
        gait=median([d.gait for d in window]),
        sensation=median([d.sensation for d in window]),
        bladder=median([d.bladder for d in window]),
        total=median([d.total for d in window]),
        first_date=window[0].date,
        last_date=window[-1].date,
        checkins=len(window),
    )


def _parse_date(value: Any) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _fmt(x: float) -> str:
    """12.0 -> '12', 12.5 -> '12.5': whole points read better."""
    r = round(x, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _signed(x: float) -> str:
    return ("+" if x > 0 else "-" if x < 0 else "") + _fmt(abs(x))


_ORDINAL_CACHE: Final[dict[datetime.date, int]] = {}

# A date as evidence text shows it ("05 Mar 2026"). strftime costs thousands
# of instructions a call and a replay writes the same few hundred dates again
# and again (every missed-check-in episode opens and closes with one), so each
# is formatted once, by strftime itself: the text stays exactly what it was.
_DAY_TEXT_CACHE: Final[dict[datetime.date, str]] = {}


def _day_text(day: datetime.date) -> str:
    text = _DAY_TEXT_CACHE.get(day)
    if text is None:
        if len(_DAY_TEXT_CACHE) >= 20000:  # a long-lived worker: keep it small
            _DAY_TEXT_CACHE.clear()
        text = _DAY_TEXT_CACHE[day] = format(day, "%d %b %Y")
    return text


# A date as the evidence data and the saved state write it (2026-03-05), for
# the same reason: date.isoformat() costs about 3,400 instructions a call
# (CPython formats it with PyUnicode_FromFormat), a look-up about a tenth.
_ISO_CACHE: Final[dict[datetime.date, str]] = {}


def _iso(day: datetime.date) -> str:
    text = _ISO_CACHE.get(day)
    if text is None:
        if len(_ISO_CACHE) >= 20000:  # a long-lived worker: keep it small
            _ISO_CACHE.clear()
        text = _ISO_CACHE[day] = day.isoformat()
    return text


# A check-in packed as one integer, for a caller that feeds many at once (a
# first nightly sweep reads a year per patient): the days since 1970-01-01,
# then 4 bits per score (every mJOA subscore fits: 0-7) and 1 for the red
# flag. tracker.evaluation has PostgreSQL compute the same number per row.
_PACKED_EPOCH_ORDINAL: Final = datetime.date(1970, 1, 1).toordinal()
# The date objects made so far for a packed check-in's day (days since
# 1970-01-01), indexed by it: a sweep's or a replay's patients share the same
# few hundred days, and making a date, or finding it in a dict keyed by an
# int, costs far more than an index into a list (about 350 instructions a
# check-in against 20, callgrind). 50,000 days reach 2106; any day outside
# is made each time.
_DATE_TABLE_DAYS: Final = 50_000
_DATE_TABLE: Final[list[datetime.date | None]] = [None] * _DATE_TABLE_DAYS


def _date_of_day(days: int) -> datetime.date:
    """The date ``days`` after 1970-01-01 (a packed check-in's day), made once."""
    if 0 <= days < _DATE_TABLE_DAYS:
        date = _DATE_TABLE[days]
        if date is None:
            date = _DATE_TABLE[days] = datetime.date.fromordinal(days + _PACKED_EPOCH_ORDINAL)
        return date
    return datetime.date.fromordinal(days + _PACKED_EPOCH_ORDINAL)


def pack_day(date: datetime.date, fm: int, g: int, s: int, b: int, red_flag: bool = False) -> int:
    """One check-in as the integer ``PatientDetector.feed_packed`` takes."""
    days = date.toordinal() - _PACKED_EPOCH_ORDINAL
    return (((((days * 16 + fm) * 16 + g) * 16 + s) * 16 + b) * 2) + (1 if red_flag else 0)


def unpack_day(code: int) -> DayScore:
    """The check-in ``pack_day`` packed."""
    ordinal = (code >> 17) + _PACKED_EPOCH_ORDINAL
    return DayScore(
        datetime.date.fromordinal(ordinal),
        (code >> 13) & 15,
        (code >> 9) & 15,
        (code >> 5) & 15,
        (code >> 1) & 15,
        bool(code & 1),
    )


class PatientDetector:
    """Incremental detector for one patient.

    ``feed(day)`` takes check-ins in date order and returns the events they
    cause; ``tick(today)`` checks for missed check-ins as of the end of
    ``today`` (the nightly sweep). ``to_dict()`` / ``from_dict()`` round-trip
    the whole state through JSON.
    """

    __slots__ = (
        "config",
        "baseline",
        "baseline_start",
        "_baseline_window",
        "last_date",
        "_dates",
        "_totals",
        "_fm_hist",
        "_g_hist",
        "_s_hist",
        "_b_hist",
        "open",
        "disarmed",
        "_opened_on",
        "_recovered_run",
        "_domain_recovered_run",
        "_cusum",
        "_cusum_run",
        "_diffs",
        "_sd_count",
        "_sd",
        "_prev_total",
        "_red_flag_dates",
        "checkins",
        # Copies of the settings and baseline values the hot loop reads, as
        # plain typed numbers (see _cache_settings and _cache_baseline).
        "_hist",
        "_mcid",
        "_fm_thr",
        "_g_thr",
        "_s_thr",
        "_b_thr",
        "_rearm_checkins",
        "_min_sd",
        "_allowance",
        "_max_step",
        "_drift_threshold",
        "_reference_sd",
        "_sustained_checkins",
        "_sustained_max",
        "_sustained_min",
        "_window_days",
        "_rapid_checkins",
        "_rapid_early",
        "_rapid_span",
        "_rapid_each",
        "_base_fm",
        "_base_g",
        "_base_s",
        "_base_b",
        "_base_total",
        "_missed_days",
        "_rapid_full_each",
        "_rapid_full_drop",
        "_rapid_full_z",
        "_rapid_early_n",
        "_rapid_early_each",
        "_rapid_early_drop",
        "_rapid_early_z",
        "_rapid_reference",
        "_severities",
        # The ordinal of last_date (-1 for none): compared as a C int, not as a date.
        "_last_ordinal",
        "_ordinal_date",
        # Where the history lists' live window starts (see _feed_scores).
        "_start",
        # Check-ins the baseline window left behind: [ordinal, total].
        "_left_behind",
        # The total a decline episode recovers to (see _feed_scores); the
        # baseline's, or the level before the baseline for an episode opened
        # when it formed (_check_before_baseline).
        "_recovery_total",
        # Check-ins since the baseline formed, and how many of them were at
        # least the MCID below it: how prone this patient is to dips, for the
        # posterior probability (_open).
        "_scored",
        "_scored_down",
    )

    def __init__(self, config: RuleConfig | None = None, *, baseline_start: datetime.date | None = None):
        self.config = config or RuleConfig()
        self.baseline: Baseline | None = None
        self.baseline_start = baseline_start
        # Check-ins gathered while waiting for a baseline: [ordinal, fm, g, s, b].
        self._baseline_window: list[list[int]] = []
        self._left_behind: list[list[int]] = []
        self._recovery_total: float = 0.0
        self.last_date: datetime.date | None = None
        self._last_ordinal: int = -1
        self._ordinal_date: datetime.date | None = None
        # The last history_size check-ins: ordinals, totals and each domain's
        # scores, from index _start on (the entries before it are dropped in
        # batches). A list per domain rather than a [fm, g, s, b] row per
        # check-in: the scores are small ints, of which Python keeps one
        # object each, so appending them makes no object (a row was a list
        # to make and, later, to free, on every check-in).
        self._start: int = 0
        self._dates: list[int] = []
        self._totals: list[int] = []
        self._fm_hist: list[int] = []
        self._g_hist: list[int] = []
        self._s_hist: list[int] = []
        self._b_hist: list[int] = []
        self.open: dict[str, bool] = {}
        # Decline rules stay disarmed after an episode until the patient recovers.
        self.disarmed: dict[str, bool] = {}
        self._opened_on: dict[str, str] = {}
        self._recovered_run = 0
        self._domain_recovered_run = 0
        self._scored: int = 0
        self._scored_down: int = 0
        self._cusum = 0.0
        self._cusum_run = 0
        # How often each size of successive difference of the total occurred
        # (bins 0-18), from the baseline period on; the day-to-day SD is their
        # median, so it is robust to heavy-tailed answers and to a step drop.
        self._diffs: list[int] = [0] * DIFF_BINS
        self._sd_count = 0
        self._sd = 1.0  # cached day_to_day_sd() before the floor
        self._prev_total: int | None = None
        self._red_flag_dates: list[str] = []
        self.checkins = 0
        self._cache_settings()
        self._cache_baseline()

    def _cache_settings(self) -> None:
        """Copy the settings the hot loop reads into typed attributes.

        Compiled with mypyc (docs/detection.md, "Replay speed") a typed
        attribute of this class is a C field, far cheaper than unpacking the
        config's tuple of Python objects on every check-in; interpreted it
        costs about the same. int() and float() change no comparison (the
        settings are whole numbers where they must be, and small).
        """
        cfg = self.config
        self._hist: int = int(cfg.history_size)
        self._mcid: float = float(cfg.mcid)
        self._fm_thr: float = float(cfg.fine_motor_threshold)
        self._g_thr: float = float(cfg.gait_threshold)
        self._s_thr: float = float(cfg.sensation_threshold)
        self._b_thr: float = float(cfg.bladder_threshold)
        self._rearm_checkins: int = int(cfg.rearm_checkins)
        self._min_sd: float = float(cfg.drift_min_sd)
        self._allowance: float = float(cfg.drift_allowance)
        self._max_step: float = float(cfg.drift_max_step)
        self._drift_threshold: float = float(cfg.drift_threshold)
        self._reference_sd: float = float(cfg.reference_sd)
        self._sustained_checkins: int = int(cfg.sustained_checkins)
        self._sustained_max: int = int(cfg.sustained_max_checkins)
        self._sustained_min: int = int(cfg.sustained_min_checkins)
        self._window_days: int = int(cfg.window_days)
        self._rapid_checkins: int = int(cfg.rapid_checkins)
        # The fewest check-ins either rapid test looks at.
        self._rapid_early: int = int(min(cfg.rapid_early_checkins, cfg.rapid_checkins))
        self._rapid_span: int = int(cfg.rapid_days) - 1
        self._missed_days: int = int(cfg.missed_checkins_days)
        # The rapid_decline tests' settings (_check_rapid), for comparisons only.
        self._rapid_full_each: float = float(cfg.rapid_each_drop)
        self._rapid_full_drop: float = float(cfg.rapid_drop)
        self._rapid_full_z: float = float(cfg.rapid_z)
        self._rapid_early_n: int = int(cfg.rapid_early_checkins)
        self._rapid_early_each: float = float(cfg.rapid_early_each_drop)
        self._rapid_early_drop: float = float(cfg.rapid_early_drop)
        self._rapid_early_z: float = float(cfg.rapid_early_z)
        self._rapid_reference: int = int(cfg.rapid_reference_checkins)
        # Each rule's severity, for every event (config.severity() is an
        # interpreted method building an attribute name each call).
        self._severities: dict[str, str] = {rule: cfg.severity(rule) for rule in RULES}
        # Today's drop that lets either rapid test run (the smaller of the two).
        self._rapid_each: float = float(
            min(cfg.rapid_each_drop, cfg.rapid_early_each_drop)
            if cfg.rapid_early_checkins < cfg.rapid_checkins
            else cfg.rapid_each_drop
        )

    def _cache_baseline(self) -> None:
        """Copy the baseline's values for the hot loop; call after every change of ``baseline``."""
        base = self.baseline
        if base is None:
            self._base_fm = self._base_g = self._base_s = self._base_b = self._base_total = 0.0
            self._recovery_total = 0.0
            return
        self._base_fm = float(base.fine_motor)
        self._base_g = float(base.gait)
        self._base_s = float(base.sensation)
        self._base_b = float(base.bladder)
        self._base_total = float(base.total)
        self._recovery_total = self._base_total

    # ----- public API -----

    def feed(self, day: DayScore) -> list[Event]:
        return self.feed_values(day.date, day.fine_motor, day.gait, day.sensation, day.bladder, day.red_flag)

    def feed_values(self, date: datetime.date, fm: int, g: int, s: int, b: int, red_flag: bool = False) -> list[Event]:
        """``feed`` for one check-in given as values: what ``feed`` itself runs.

        The replay's fast reader calls this directly and so builds no
        DayScore per row (a frozen dataclass costs about a microsecond to make).
        """
        ordinal = _ORDINAL_CACHE.get(date)
        if ordinal is None:
            ordinal = _ORDINAL_CACHE[date] = date.toordinal()
        events: list[Event] = []
        self._feed_day(date, ordinal, fm, g, s, b, red_flag, events)
        return events

    def feed_packed(self, codes: list[int]) -> list[Event]:
        """``feed`` for many check-ins in date order, each packed by ``pack_day``: the same events.

        One call for a patient's whole history: compiled, the loop, the
        unpacking and the calls to ``_feed_day`` run in C, no DayScore is
        made per check-in (a first sweep's rows are a year per patient), and
        the ordinal comes from the code rather than from the date.
        """
        events: list[Event] = []
        epoch = _PACKED_EPOCH_ORDINAL
        for code in codes:
            days = code >> 17
            self._feed_day(
                _date_of_day(days),
                days + epoch,
                (code >> 13) & 15,
                (code >> 9) & 15,
                (code >> 5) & 15,
                (code >> 1) & 15,
                (code & 1) == 1,
                events,
            )
        return events

    def _feed_day(
        self,
        date: datetime.date,
        ordinal: int,
        fm: int,
        g: int,
        s: int,
        b: int,
        red_flag: bool,
        events: list[Event],
    ) -> None:
        """One check-in, ``date`` and its ordinal: what feed_values and feed_packed run; events go into ``events``."""
        is_open = self.open
        last = self.last_date
        if last is not None:
            # Ordinals compare as C ints where date objects would go through
            # rich comparison. _last_ordinal is the ordinal of the date object
            # _ordinal_date; anything else in last_date (a state just loaded,
            # say) is converted here.
            if last is self._ordinal_date:
                last_ordinal = self._last_ordinal
            else:
                last_ordinal = last.toordinal()
            if ordinal <= last_ordinal:
                raise OutOfOrderCheckIn(f"check-in of {date} is not after the last one fed ({last})")
            # What the nightly sweeps would have seen during the gap (as of
            # last + missed_checkins_days, from the date table rather than
            # through a timedelta: the same date).
            limit = self._missed_days
            if ordinal - last_ordinal > limit and not is_open.get(MISSED_CHECKINS):
                events.extend(self.tick(_date_of_day(last_ordinal + limit - _PACKED_EPOCH_ORDINAL)))
        if is_open.get(MISSED_CHECKINS):
            events.append(self._close(MISSED_CHECKINS, date, CHECKED_IN, f"Checked in again on {_day_text(date)}", {}))
        self.last_date = date
        self._ordinal_date = date
        self._last_ordinal = ordinal
        self.checkins += 1

        if red_flag:
            if is_open.get(RED_FLAG):
                self._red_flag_dates.append(_iso(date))
            else:
                self._red_flag_dates = [_iso(date)]
                events.append(
                    self._open(
                        RED_FLAG,
                        date,
                        f"Red-flag answer on {_day_text(date)}",
                        {"dates": [_iso(date)], "total": fm + g + s + b},
                    )
                )

        self._feed_scores(date, fm, g, s, b, ordinal, events)

    def _feed_scores(
        self, date: datetime.date, fm: int, g: int, s: int, b: int, ordinal: int, events: list[Event]
    ) -> None:
        """Baseline building and the score rules for one check-in.

        This runs once per check-in of every replay and first sweep,
        so it is written for speed: settings and baseline values are read into
        locals once, the common outcome ("nothing happened") builds no objects
        beyond the history row, and the rare outcomes (an episode opens or
        closes) are separate methods. The order of the checks is the order in
        which events are returned: re-arming, drift, sustained, domain, rapid.

        It stays one long method on purpose: inlining the variation and
        window checks and unpacking the settings into locals made replay 2.8x
        faster with byte-identical outputs (docs/benchmarks.md, "Detector
        speed"); splitting it into a call per step would give that back.
        """
        total = fm + g + s + b
        if self.baseline is None:
            self._feed_baseline(date, ordinal, fm, g, s, b, total, events)
            return
        hist = self._hist
        mcid = self._mcid

        # Day-to-day variation, from successive differences: they measure the
        # noise and hardly see a slow drift (_learn_variation, inlined).
        prev = self._prev_total
        self._prev_total = total
        if prev is not None:
            self._count_diff(total - prev)

        # The recent history the windowed rules look at.
        # The live window is the last n entries, from _start on: dropping the
        # oldest check-in moves _start rather than deleting the first item of
        # six lists (which shifts every item, each time); once 4 * hist
        # entries are dead they go in one slice deletion per list (each moves
        # the live entries; the dead ones cost no more to free together).
        # Readers index from the end or add _start, and the saved state holds
        # the live window only.
        dates, totals = self._dates, self._totals
        dates.append(ordinal)
        totals.append(total)
        self._fm_hist.append(fm)
        self._g_hist.append(g)
        self._s_hist.append(s)
        self._b_hist.append(b)
        start = self._start
        n = len(dates) - start
        if n > hist:
            start += 1
            n -= 1
            if start >= 4 * hist:
                del dates[:start], totals[:start]
                del self._fm_hist[:start], self._g_hist[:start], self._s_hist[:start], self._b_hist[:start]
                start = 0
            self._start = start

        btotal = self._base_total
        # The same float comparisons as ever, not rewritten into integer
        # cut-offs: a baseline such as 14.625 must compare exactly as before.
        total_down = btotal - total >= mcid
        self._scored += 1
        if total_down:
            self._scored_down += 1
        domain_down = (
            self._base_fm - fm >= self._fm_thr
            or self._base_g - g >= self._g_thr
            or self._base_s - s >= self._s_thr
            or self._base_b - b >= self._b_thr
        )

        # Recovery: consecutive check-ins back within the MCID of baseline
        # (for domain_decline, with no domain down by its threshold either).
        # _recovery_total is the baseline's total, except while an episode
        # opened when the baseline formed is open: that patient recovers to
        # the level before the fall, not to the lower baseline.
        if self._recovery_total - total < mcid:
            recovered = self._recovered_run = self._recovered_run + 1
            domain_recovered = self._domain_recovered_run = 0 if domain_down else self._domain_recovered_run + 1
        else:
            recovered = self._recovered_run = 0
            domain_recovered = self._domain_recovered_run = 0
        disarmed = self.disarmed
        if disarmed:
            rearm_checkins = self._rearm_checkins
            if recovered >= rearm_checkins:
                for rule in (SUSTAINED_DECLINE, RAPID_DECLINE, DRIFT):
                    if disarmed.get(rule):
                        self._rearm(rule, date, events, recovered)
            if disarmed.get(DOMAIN_DECLINE) and domain_recovered >= rearm_checkins:
                self._rearm(DOMAIN_DECLINE, date, events, domain_recovered)

        # drift: CUSUM of the standardised shortfall below baseline,
        # Huber-clipped on both sides.
        sd = self._sd
        min_sd = self._min_sd
        if min_sd > sd:  # max(sd, min_sd), as in day_to_day_sd()
            sd = min_sd
        max_step = self._max_step
        step = (btotal - total - self._allowance) / sd
        if step > max_step:
            step = max_step
        elif step < -max_step:
            step = -max_step
        c = self._cusum + step  # after re-arming, which may have reset it
        if c <= 0.0:
            self._cusum = 0.0
            self._cusum_run = 0
        else:
            self._cusum = c
            self._cusum_run += 1
            if c >= self._drift_threshold and not disarmed.get(DRIFT):
                self._fire_drift(date, events)

        # Window of recent check-ins: longer for a patient whose scores wobble
        # more (see RuleConfig). k counts the last `size` check-ins that fall
        # within the window's days; dates are ascending, so a bisection finds
        # the first one inside instead of a Python loop over up to 24 of them.
        if total_down or domain_down:
            sustained_checkins = self._sustained_checkins
            sustained_max = self._sustained_max
            ratio = sd / self._reference_sd
            size = int(sustained_checkins * ratio * ratio + 0.5)
            if size < sustained_checkins:
                size = sustained_checkins
            elif size >= sustained_max:
                size = sustained_max
            earliest = ordinal - (size * self._window_days) // sustained_checkins + 1
            k = n + start - bisect_left(dates, earliest, start)
            if k > size:
                k = size
            if k >= self._sustained_min * size // sustained_checkins:
                if total_down and not disarmed.get(SUSTAINED_DECLINE):
                    self._check_sustained(date, k, events)
                if domain_down and not disarmed.get(DOMAIN_DECLINE):
                    self._check_domains(date, k, events)

        # rapid_decline: the last few check-ins, close together, all well below baseline.
        # The early test's window is the shorter one: if it does not fit
        # within rapid_days, neither does the full one.
        rapid_early = self._rapid_early
        if (
            btotal - total >= self._rapid_each
            and n >= rapid_early
            and ordinal - dates[-rapid_early] <= self._rapid_span
        ):
            if not disarmed.get(RAPID_DECLINE):
                self._check_rapid(date, ordinal, events)

    def _feed_baseline(
        self, date: datetime.date, ordinal: int, fm: int, g: int, s: int, b: int, total: int, events: list[Event]
    ) -> None:
        """A check-in while there is no baseline yet: gather it, and make one when there are enough."""
        if self.baseline_start is not None and date < self.baseline_start:
            return
        window = self._baseline_window
        window.append([ordinal, fm, g, s, b])
        limit = self.config.baseline_days - 1
        keep = self.config.baseline_checkins
        while ordinal - window[0][0] > limit:
            row = window.pop(0)
            self._left_behind.append([row[0], row[1] + row[2] + row[3] + row[4]])
            if len(self._left_behind) > keep:
                del self._left_behind[0]
        if len(window) >= self.config.baseline_checkins:
            self._establish_baseline(window)
            self._baseline_window = []
            self._check_before_baseline(date, window, events)
            self._left_behind = []
        # The baseline check-ins also teach the detector this patient's
        # day-to-day variation.
        self._learn_variation(total)

    def tick(self, today: datetime.date) -> list[Event]:
        """Missed check-ins as of the end of ``today``.

        Like the decline rules it waits for a baseline: until one exists only
        red flags alert: a new patient is not yet known to be declining. The dashboard still ranks a new patient who
        has stopped checking in by the days since their last check-in.
        """
        if self.baseline is None or self.last_date is None or self.open.get(MISSED_CHECKINS):
            return []
        missed = (today - self.last_date).days
        if missed < self.config.missed_checkins_days:
            return []
        return [
            self._open(
                MISSED_CHECKINS,
                today,
                f"No check-in for {missed} days (last on {_day_text(self.last_date)})",
                {"last_checkin": _iso(self.last_date), "days": missed},
            )
        ]

    def close(self, rule: str, date: datetime.date) -> list[Event]:
        """A clinician closed the alert.

        Red flags and missed check-ins re-arm at once: the next one is news.
        A decline rule stays quiet until the patient recovers or is
        re-baselined, or it would re-open the next morning.
        """
        if not self.open.get(rule):
            return []
        return [self._close(rule, date, CLOSED_BY_CLINICIAN, "Closed by the care team", {})]

    def set_baseline(self, baseline: Baseline, date: datetime.date) -> list[Event]:
        """A baseline set by hand from ``date``; open decline alerts close."""
        events = self._close_for_rebaseline(date)
        self.baseline = baseline
        self._cache_baseline()
        self.baseline_start = date
        self._baseline_window = []
        self._left_behind = []
        return events

    def rebaseline(self, start: datetime.date, days: Iterable[DayScore] = ()) -> list[Event]:
        """A new baseline from the check-ins on or after ``start``.

        Pass the check-ins already stored from ``start`` on; they build the
        new baseline (and are evaluated against it once it exists).
        """
        events = self._close_for_rebaseline(start)
        self.baseline = None
        self._cache_baseline()
        self.baseline_start = start
        self._baseline_window = []
        self._left_behind = []
        # A change of treatment can change how much the scores wobble too.
        self._diffs, self._sd_count, self._sd, self._prev_total = [0] * DIFF_BINS, 0, 1.0, None
        # These check-ins were fed before (red flags and gaps already seen):
        # only the baseline and the score rules go over them again.
        for day in sorted(days, key=lambda d: d.date):
            if day.date >= start and (self.last_date is None or day.date <= self.last_date):
                self._feed_scores(
                    day.date, day.fine_motor, day.gait, day.sensation, day.bladder, day.date.toordinal(), events
                )
        return events

    @property
    def open_rules(self) -> list[str]:
        return [rule for rule in RULES if self.open.get(rule)]

    # ----- serialisation -----

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "baseline_start": self.baseline_start.isoformat() if self.baseline_start else None,
            "baseline_window": [list(row) for row in self._baseline_window],
            "left_behind": [list(row) for row in self._left_behind],
            "recovery_total": self._recovery_total,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "dates": self._dates[self._start :],
            "totals": self._totals[self._start :],
            "domains": [
                [fm, g, s, b]
                for fm, g, s, b in zip(
                    self._fm_hist[self._start :],
                    self._g_hist[self._start :],
                    self._s_hist[self._start :],
                    self._b_hist[self._start :],
                    strict=True,
                )
            ],
            "open": {k: v for k, v in self.open.items() if v},
            "disarmed": {k: v for k, v in self.disarmed.items() if v},
            "opened_on": dict(self._opened_on),
            "recovered_run": self._recovered_run,
            "scored": [self._scored, self._scored_down],
            "domain_recovered_run": self._domain_recovered_run,
            "cusum": self._cusum,
            "cusum_run": self._cusum_run,
            "diffs": list(self._diffs),
            "sd_count": self._sd_count,
            "sd": self._sd,
            "prev_total": self._prev_total,
            "red_flag_dates": list(self._red_flag_dates),
            "checkins": self.checkins,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], config: RuleConfig | None = None) -> PatientDetector:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown detector state version {data.get('version')!r}")
        det = cls(config)
        det.baseline = Baseline.from_dict(data["baseline"]) if data.get("baseline") else None
        det._cache_baseline()
        det.baseline_start = _parse_date(data.get("baseline_start"))
        det._baseline_window = [list(row) for row in data.get("baseline_window", [])]
        # States saved before these two keys existed load as they meant then.
        det._left_behind = [list(row) for row in data.get("left_behind", [])]
        det._recovery_total = float(data.get("recovery_total", det._base_total))
        det.last_date = _parse_date(data.get("last_date"))
        det._start = 0
        det._dates = list(data.get("dates", []))
        det._totals = list(data.get("totals", []))
        rows = data.get("domains", [])
        det._fm_hist = [row[0] for row in rows]
        det._g_hist = [row[1] for row in rows]
        det._s_hist = [row[2] for row in rows]
        det._b_hist = [row[3] for row in rows]
        det.open = dict(data.get("open", {}))
        det.disarmed = dict(data.get("disarmed", {}))
        det._opened_on = dict(data.get("opened_on", {}))
        det._recovered_run = int(data.get("recovered_run", 0))
        # A state saved before this count existed starts it from there.
        det._scored, det._scored_down = (int(v) for v in data.get("scored", (0, 0)))
        det._domain_recovered_run = int(data.get("domain_recovered_run", 0))
        det._cusum = float(data.get("cusum", 0.0))
        det._cusum_run = int(data.get("cusum_run", 0))
        diffs = [int(c) for c in data.get("diffs", ())]
        det._diffs = diffs if len(diffs) == DIFF_BINS else [0] * DIFF_BINS
        det._sd_count = int(data.get("sd_count", 0))
        det._sd = float(data.get("sd", 1.0))
        det._prev_total = data.get("prev_total")
        det._red_flag_dates = list(data.get("red_flag_dates", []))
        det.checkins = int(data.get("checkins", 0))
        # A care team may have changed thresholds: keep only what still fits.
        hist = det.config.history_size
        if len(det._dates) > hist:
            det._dates = det._dates[-hist:]
            det._totals = det._totals[-hist:]
            det._fm_hist = det._fm_hist[-hist:]
            det._g_hist = det._g_hist[-hist:]
            det._s_hist = det._s_hist[-hist:]
            det._b_hist = det._b_hist[-hist:]
        return det

    # ----- internals -----

    def _open(self, rule: str, date: datetime.date, evidence: str, data: dict[str, Any]) -> Event:
        self.open[rule] = True
        self._opened_on[rule] = _iso(date)
        if rule in DECLINE_RULES:
            self.disarmed[rule] = True
            data = {**data, EARLIER_DOWN_KEY: self._earlier_down()}
            # How likely it is a real decline, from the numbers just written:
            # here, where every path (live, sweep, replay) opens an episode.
            data = with_probability(rule, data)
        return _new_event(OPENED, rule, self._severities[rule], date, evidence, data, "")

    def _earlier_down(self) -> list[int]:
        """[down, of]: of the check-ins since the baseline, bar the last EARLIER_SKIP, how many were down by the MCID.

        A patient whose total has dipped before and come back is more likely
        dipping again than declining (a flare, a slow wobble that the
        day-to-day SD does not see); the last EARLIER_SKIP check-ins are left
        out because they hold the dip that opens this alert.
        """
        recent = self._totals[max(self._start, len(self._totals) - EARLIER_SKIP) :]
        btotal, mcid = self._base_total, self._mcid
        recent_down = sum(1 for t in recent if btotal - t >= mcid)
        return [max(0, self._scored_down - recent_down), max(0, self._scored - len(recent))]

    def _close(self, rule: str, date: datetime.date, reason: str, evidence: str, data: dict[str, Any]) -> Event:
        self.open[rule] = False
        self._opened_on.pop(rule, None)
        if rule == SUSTAINED_DECLINE:
            # Whatever closed it, the next episode is judged against the baseline.
            self._recovery_total = self._base_total
        if rule == RED_FLAG:
            data = {**data, "dates": list(self._red_flag_dates)}
            self._red_flag_dates = []
        return _new_event(CLOSED, rule, self._severities[rule], date, evidence, data, reason)

    def _close_for_rebaseline(self, date: datetime.date) -> list[Event]:
        events = [
            self._close(rule, date, REBASELINED, f"New baseline from {_day_text(date)}", {})
            for rule in RULES
            if rule in DECLINE_RULES and self.open.get(rule)
        ]
        self.disarmed = {}
        self._reset_after_baseline()
        return events

    def _reset_after_baseline(self) -> None:
        self._dates, self._totals = [], []
        self._fm_hist, self._g_hist, self._s_hist, self._b_hist = [], [], [], []
        self._start = 0
        self._recovered_run = 0
        self._domain_recovered_run = 0
        self._scored = self._scored_down = 0
        self._cusum = 0.0
        self._cusum_run = 0

    def _establish_baseline(self, window: list[list[int]]) -> None:
        cols = list(zip(*window, strict=True))
        fm, g, s, b = (median(list(c)) for c in cols[1:])
        totals = [r[1] + r[2] + r[3] + r[4] for r in window]
        self.baseline = Baseline(
            fine_motor=fm,
            gait=g,
            sensation=s,
            bladder=b,
            total=median(totals),
            first_date=datetime.date.fromordinal(window[0][0]),
            last_date=datetime.date.fromordinal(window[-1][0]),
            checkins=len(window),
        )
        self._cache_baseline()
        self._reset_after_baseline()

    def _check_before_baseline(self, date: datetime.date, window: list[list[int]], events: list[Event]) -> None:
        """sustained_decline when the check-ins the baseline window left behind were well above it.

        A patient who checked in a few times, skipped a fortnight and came
        back lower has a baseline made of the lower check-ins: every later
        comparison starts from after the fall. The check-ins left behind are
        the only record of before; a 2.5-point gap between their median and
        the new baseline's is past the MCID with a margin for their noise
        (three check-ins' median; no stable patient of the tuning seeds came
        within it, docs/detection.md). The episode recovers only when the
        patient is back within the MCID of that earlier level.
        """
        left = self._left_behind
        if len(left) < self.config.prebaseline_checkins:
            return
        btotal = cast(Baseline, self.baseline).total
        before = [row[1] for row in left]
        level = median(before)
        if level - btotal < self.config.prebaseline_drop:
            return
        values = [row[1] + row[2] + row[3] + row[4] for row in window]
        first, last = datetime.date.fromordinal(left[0][0]), datetime.date.fromordinal(left[-1][0])
        events.append(
            self._open(
                SUSTAINED_DECLINE,
                date,
                f"Total {_fmt(btotal)} on the {len(values)} check-ins of the baseline vs {_fmt(level)} "
                f"on the {len(before)} before them ({_day_text(first)} to {_day_text(last)}): "
                f"{_signed(btotal - level)}",
                {
                    "values": values,
                    "median": btotal,
                    # The evidence's "baseline" is the level it fell from, as for
                    # any sustained_decline; the new baseline is "median".
                    "baseline": level,
                    "change": btotal - level,
                    "window": [
                        datetime.date.fromordinal(window[0][0]).isoformat(),
                        datetime.date.fromordinal(window[-1][0]).isoformat(),
                    ],
                    "before_baseline": before,
                    "before_window": [first.isoformat(), last.isoformat()],
                    "day_to_day_sd": round(self.day_to_day_sd(), 3),
                },
            )
        )
        self._recovery_total = float(level)

    def _learn_variation(self, total: int) -> None:
        prev = self._prev_total
        self._prev_total = total
        if prev is not None:
            self._count_diff(total - prev)

    def _count_diff(self, d: int) -> None:
        """Count one successive difference and update the cached SD.

        The SD is the median absolute successive difference (interpolated
        within ties, as scores are whole points) times 1.048: for independent
        normal noise of SD s, a difference has SD s*sqrt(2) and its absolute
        value a median of 0.674*sqrt(2)*s = 0.954 s. A median, unlike the mean,
        is not moved by the few percent of answers that are off by a point or
        two, nor by the one big difference of a step drop.
        """
        diffs = self._diffs
        i = d if d >= 0 else -d
        diffs[i] = diffs[i] + 1  # compiled, "+=" on a list item would be a generic Python addition
        count = self._sd_count = self._sd_count + 1
        if count < 3:
            return
        half = count / 2.0
        below = 0
        m = 0
        c = diffs[0]
        while below + c <= half:
            below += c
            m += 1
            c = diffs[m]
        # Interpolated within bin m (the interval m-0.5..m+0.5, never below 0).
        self._sd = ((m - 0.5 + (half - below) / c) if m else half / c * 0.5) * 1.048

    def day_to_day_sd(self) -> Points:
        """The patient's own day-to-day SD of the total (points)."""
        return max(self._sd, self.config.drift_min_sd)

    def _check_sustained(self, date: datetime.date, k: int, events: list[Event]) -> None:
        """sustained_decline: today's total is down; is the median of the last k too?"""
        if _median_not_down(self._totals, k, self._base_total, self._mcid):
            return  # most days: no slice, no sort
        btotal = cast(Baseline, self.baseline).total  # called only once there is a baseline
        recent = self._totals[-k:]
        med = median(recent)
        if btotal - med >= self.config.mcid:
            drop = med - btotal
            events.append(
                self._open(
                    SUSTAINED_DECLINE,
                    date,
                    f"Total {_fmt(med)} vs baseline {_fmt(btotal)} ({_signed(drop)}) over the last {k} check-ins",
                    {
                        "values": recent,
                        "median": med,
                        "baseline": btotal,
                        "change": drop,
                        "window": self._window_dates(k),
                        # For the posterior probability (detection/posterior.py).
                        "day_to_day_sd": round(self.day_to_day_sd(), 3),
                    },
                )
            )

    def _check_rapid(self, date: datetime.date, ordinal: int, events: list[Event]) -> None:
        """rapid_decline: today's total is down and the last few check-ins lie within rapid_days."""
        # The tests compare with the typed copies of the settings and of the
        # baseline total (the same numbers as floats, so the same outcomes);
        # the evidence gets the baseline's own value.
        bt = self._base_total
        totals, dates = self._totals, self._dates
        start = self._start
        n = len(totals) - start
        sd = float(self.day_to_day_sd())
        r = self._rapid_checkins
        # The full test first (more check-ins, the evidence a clinician reads
        # best), then the early one on fewer check-ins with stronger evidence.
        if not (
            n >= r
            and ordinal - dates[-r] <= self._rapid_span
            and self._rapid_evidence(r, bt, self._rapid_full_each, self._rapid_full_drop, self._rapid_full_z * sd)
        ):
            r = self._rapid_early_n
            if r >= self._rapid_checkins or not self._rapid_evidence(
                r, bt, self._rapid_early_each, self._rapid_early_drop, self._rapid_early_z * sd
            ):
                return
        btotal = cast(Baseline, self.baseline).total  # called only once there is a baseline
        recent = totals[-r:]
        ref = totals[start + max(0, n - r - self._rapid_reference) : start + n - r]
        level = median(ref) if ref else btotal
        days = ordinal - (dates[-r - 1] if n > r else dates[-r])
        now = median(recent)
        events.append(
            self._open(
                RAPID_DECLINE,
                date,
                # Both drops: from the check-ins just before (how fast) and from the baseline
                # (how far). When those were already down, the first alone reads as small.
                f"Total fell from {_fmt(level)} to {_fmt(now)} ({_signed(now - level)}) "
                f"within {days} days, {_signed(now - btotal)} from baseline {_fmt(btotal)}",
                {
                    "values": recent,
                    "before": ref,
                    "level_before": level,
                    "median": now,
                    "baseline": btotal,
                    "change": now - level,
                    "window": self._window_dates(r),
                    "day_to_day_sd": round(self.day_to_day_sd(), 3),
                },
            )
        )

    def _rapid_evidence(self, r: int, btotal: float, each_drop: float, min_drop: float, min_z_drop: float) -> bool:
        """Are the last r check-ins each down by each_drop, and on average by both minimums?"""
        # The highest and the sum of the last r in one pass over the list
        # (compiled: C integers, where a slice, max() and sum() made a list
        # and went through Python objects).
        totals = self._totals
        end = len(totals)
        highest = totals[end - r]
        added = 0
        for j in range(end - r, end):
            t = totals[j]
            added += t
            if t > highest:
                highest = t
        # Every one of them down (a change that persists, not one bad day)...
        if not btotal - highest >= each_drop:
            return False
        # ...and by at least min_drop on average, and by enough of the noise.
        drop = btotal - added / r
        return drop >= min_drop and drop >= min_z_drop

    def _check_domains(self, date: datetime.date, m: int, events: list[Event]) -> None:
        found: list[tuple[str, float, Points, list[int]]] = []
        # The comparisons use the typed copies of the baseline and thresholds
        # (float(b) - x and b - x are the same number for these small values,
        # whether b is an int or a float), one domain at a time rather than
        # through a tuple, which would box every float; the evidence gets the
        # baseline's own value, int or float, and only for a domain that is
        # down. A domain whose value today is not down is skipped: its
        # decline does not stay.
        if self._base_fm - self._fm_hist[-1] >= self._fm_thr:
            self._domain_down(0, self._base_fm, self._fm_thr, self._fm_hist, m, found)
        if self._base_g - self._g_hist[-1] >= self._g_thr:
            self._domain_down(1, self._base_g, self._g_thr, self._g_hist, m, found)
        if self._base_s - self._s_hist[-1] >= self._s_thr:
            self._domain_down(2, self._base_s, self._s_thr, self._s_hist, m, found)
        if self._base_b - self._b_hist[-1] >= self._b_thr:
            self._domain_down(3, self._base_b, self._b_thr, self._b_hist, m, found)
        if not found:
            return
        parts = [
            f"{DOMAIN_LABELS[key]} {_fmt(med)} vs baseline {_fmt(b)} ({_signed(med - b)})" for key, med, b, _ in found
        ]
        events.append(
            self._open(
                DOMAIN_DECLINE,
                date,
                f"{'; '.join(parts)} over the last {m} check-ins",
                {
                    "domains": [key for key, *_ in found],
                    "values": {key: values for key, _, _, values in found},
                    "median": {key: med for key, med, _, _ in found},
                    "baseline": {key: b for key, _, b, _ in found},
                    "window": self._window_dates(m),
                    "day_to_day_sd": round(self.day_to_day_sd(), 3),
                },
            )
        )

    def _domain_down(
        self,
        i: int,
        base: float,
        thr: float,
        scores: list[int],
        m: int,
        found: list[tuple[str, float, Points, list[int]]],
    ) -> None:
        """Is the median of domain i's last m scores down by its threshold? Then it goes into found."""
        if _median_not_down(scores, m, base, thr):
            return  # most days: no slice, no sort
        values = scores[-m:]
        med = median(values)
        if base - med >= thr:
            key = DOMAINS[i]
            found.append((key, med, cast(Baseline, self.baseline).domain(key), values))

    def _fire_drift(self, date: datetime.date, events: list[Event]) -> None:
        base = cast(Baseline, self.baseline)
        # The SD as the setting gave it (an int floor stays an int in evidence_data).
        sd = self.day_to_day_sd()
        run = min(self._cusum_run, len(self._totals) - self._start)
        values = self._totals[-run:] if run else self._totals[-1:]
        mean = sum(values) / len(values)
        events.append(
            self._open(
                DRIFT,
                date,
                f"Total below baseline {_fmt(base.total)} on most of the last {self._cusum_run} check-ins, "
                f"recent average {_fmt(mean)} ({_signed(mean - base.total)}); "
                f"day-to-day variation ±{_fmt(sd)}",
                {
                    "baseline": base.total,
                    "recent_values": values,
                    "recent_mean": mean,
                    "checkins": self._cusum_run,
                    "cusum": round(self._cusum, 3),
                    "day_to_day_sd": round(sd, 3),
                    "window": self._window_dates(run or 1),
                },
            )
        )

    def _rearm(self, rule: str, date: datetime.date, events: list[Event], run: int) -> None:
        self.disarmed[rule] = False
        if rule == DRIFT:
            self._cusum = 0.0
            self._cusum_run = 0
        if self.open.get(rule):
            btotal: Points = cast(Baseline, self.baseline).total
            what = "baseline"
            if rule == SUSTAINED_DECLINE and self._recovery_total != self._base_total:
                btotal, what = self._recovery_total, "the level before the baseline"
            values = self._totals[-min(run, len(self._totals) - self._start) :]
            events.append(
                self._close(
                    rule,
                    date,
                    RECOVERED,
                    f"Back within {_fmt(self.config.mcid)} points of {what} {_fmt(btotal)} "
                    f"on the last {run} check-ins (total {_fmt(min(values))}-{_fmt(max(values))})",
                    {"values": values, "baseline": btotal, "window": self._window_dates(len(values))},
                )
            )

    def _window_dates(self, m: int) -> list[str]:
        dates = self._dates[-m:]
        epoch = _PACKED_EPOCH_ORDINAL
        return [_iso(_date_of_day(dates[0] - epoch)), _iso(_date_of_day(dates[-1] - epoch))]


def replay_patient(
    days: Iterable[DayScore],
    config: RuleConfig | None = None,
    *,
    baseline_start: datetime.date | None = None,
    today: datetime.date | None = None,
) -> tuple[PatientDetector, list[Event]]:
    """Rebuild a detector from a full history: the same code path as live feeding.

    With ``today``, also runs the missed check-ins check as of that day.
    """
    det = PatientDetector(config, baseline_start=baseline_start)
    events: list[Event] = []
    for day in sorted(days, key=lambda d: d.date):
        events.extend(det.feed(day))
    if today is not None:
        events.extend(det.tick(today))
    return det, events


def opened_events(rows: Iterable[tuple[datetime.date, int, int, int, int, bool]], config: RuleConfig) -> list[Event]:
    """The episodes that open as one patient's check-ins, given as values in date order, are fed.

    The replay's loop over a patient's rows (``feed_values`` and nothing
    else), here so that where mypyc compiles this module the loop is
    compiled too and calls the detector natively rather than once per row
    from the interpreter (docs/detection.md, "Replay speed").
    """
    det = PatientDetector(config)
    out: list[Event] = []
    for date, fm, g, s, b, red_flag in rows:
        events = det.feed_values(date, fm, g, s, b, red_flag)
        if events:
            for ev in events:
                if ev.kind == OPENED:
                    out.append(ev)
    return out

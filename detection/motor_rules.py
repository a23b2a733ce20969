"""The objective motor tests' detection rule: a sustained fall from a post-practice baseline.

Pure Python, no Django. The Django side stores every try of the tap test
(each hand), the step test and the timed walk, and recomputes the assessment
from all of a patient's tries after each new one (weekly tests: a few hundred
rows at most, so statelessness costs nothing and cannot drift from the truth
of the stored rows).

Per measure, in date order:

* the first ``practice_tries`` tries that have a value are practice: repeated
  tapping-style tests improve for their first tries (Floodlight MS studies,
  shared/CLINICAL.md), so a baseline taken from them would sit below the
  patient's real level and hide a later decline;
* the next ``baseline_tries`` tries with a value form the baseline (their
  median, so one bad first test does not set it);
* after the baseline, a try below ``baseline * (1 - decline_share)`` is "low";
  ``sustained_tries`` low tries in a row open one episode for the measure
  (the test-retest noise makes one low test common; see docs/detection.md,
  "Objective motor tests", for how the shares were chosen);
* the episode closes (RECOVERED) once ``sustained_tries`` tries in a row are
  back at or above the threshold;
* a patient whose own tries vary more than the published noise gets a wider
  share: at least ``own_noise_z`` times their own test-retest SD, learned
  from the successive differences of their tries since the baseline began.

"Could not do it today" (value None) is data: after the baseline it counts
as a low try (the worst result), because a patient who can no longer do the
walk is the decline we look for. It never forms the baseline and is not a
practice try (nothing was practised), but a None before the baseline is
flagged as practice with the tries around it so the chart draws it apart.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from detection.rules import CLOSED, HIGH, LOW, MODERATE, OPENED, RECOVERED, URGENT, Event

MOTOR_DECLINE = "motor_decline"

TAP_LEFT, TAP_RIGHT, STEP, WALK = "tap_left", "tap_right", "step", "walk"
MEASURES = (TAP_LEFT, TAP_RIGHT, STEP, WALK)
HIGHER_IS_BETTER = {TAP_LEFT: True, TAP_RIGHT: True, STEP: True, WALK: True}
# How the evidence sentences name each measure and its unit.
MEASURE_LABELS = {
    TAP_LEFT: "Left-hand taps",
    TAP_RIGHT: "Right-hand taps",
    STEP: "Steps in 10 seconds",
    WALK: "Walking speed",
}


@dataclass(frozen=True, slots=True)
class MotorTry:
    date: datetime.date
    measure: str  # one of MEASURES
    value: float | None  # None = "could not do it today"


@dataclass(frozen=True)
class MotorConfig:
    """Thresholds of the motor rule; the defaults are DEFAULT_MOTOR_CONFIG.

    The reasons for each default are in docs/detection.md ("Objective motor
    tests"). Build from settings and a care team's overrides with
    ``MotorConfig.from_dict`` / ``merged``: unknown keys are an error.
    """

    # Weekly tests: 4 tries cover most of the practice gain (see the docs) and
    # keep the rule from waiting two months before it can work.
    practice_tries: int = 4
    baseline_tries: int = 3
    tap_decline_share: float = 0.20
    step_decline_share: float = 0.30
    walk_decline_share: float = 0.15
    sustained_tries: int = 3
    # A patient whose own tests vary more than the published test-retest
    # noise gets a wider threshold: own_noise_z times their own SD (from the
    # successive differences of their tries since the baseline began), once
    # there are own_noise_min_tries differences. 0 turns this off.
    own_noise_z: float = 2.0
    own_noise_min_tries: int = 5
    motor_decline_severity: str = MODERATE

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "motor_decline_severity":
                if value not in (URGENT, HIGH, MODERATE, LOW):
                    raise ValueError(f"{f.name} must be urgent, high, moderate or low, not {value!r}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{f.name} must be a number, not {value!r}")
            if f.name == "own_noise_z":
                if value < 0:
                    raise ValueError(f"{f.name} must not be negative, not {value!r}")
                continue
            if f.name.endswith("_share"):
                if not 0 < value < 1:
                    raise ValueError(f"{f.name} must be a share between 0 and 1 (e.g. 0.2), not {value!r}")
                continue
            if int(value) != value:
                raise ValueError(f"{f.name} must be a whole number, not {value!r}")
            smallest = 0 if f.name == "practice_tries" else 1
            if value < smallest:
                raise ValueError(f"{f.name} must be at least {smallest}, not {value!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None = None) -> MotorConfig:
        data = dict(data or {})
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown motor rule setting(s): {', '.join(unknown)}")
        values = {}
        for key, value in data.items():
            # JSON has one number type: 4.0 from a settings file means 4.
            if known[key].type == "int" and isinstance(value, float) and value.is_integer():
                value = int(value)
            values[key] = value
        return cls(**values)

    def merged(self, overrides: Mapping[str, Any] | None) -> MotorConfig:
        """This config with a care team's overrides on top."""
        return MotorConfig.from_dict({**self.to_dict(), **dict(overrides or {})})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def decline_share(self, measure: str) -> float:
        if measure in (TAP_LEFT, TAP_RIGHT):
            return self.tap_decline_share
        if measure == STEP:
            return self.step_decline_share
        return self.walk_decline_share


DEFAULT_MOTOR_CONFIG = MotorConfig()
# However noisy a patient's tests, a fall of this share still counts.
MAX_SHARE = 0.5


@dataclass(frozen=True)
class MeasureSummary:
    measure: str
    practice: tuple[bool, ...]  # one flag per try of this measure, in date order
    baseline: float | None  # None until practice + baseline_tries are done
    latest: float | None
    change_share: float | None  # (latest - baseline) / baseline, signed
    declining: bool  # an open motor_decline episode for this measure
    # Additions beyond the agreed interface: the threshold now in force and
    # the dates the baseline came from (for the chart's shading).
    threshold: float | None = None
    baseline_dates: tuple[datetime.date, ...] = ()
    decline_share: float | None = None  # the share in force (widened for a noisy patient)


@dataclass(frozen=True)
class MotorAssessment:
    measures: dict[str, MeasureSummary]
    events: tuple[Event, ...]  # OPENED/CLOSED, rule MOTOR_DECLINE, in date order

    @property
    def declining(self) -> bool:
        return any(m.declining for m in self.measures.values())

    @property
    def declining_measures(self) -> tuple[str, ...]:
        return tuple(m for m in MEASURES if m in self.measures and self.measures[m].declining)


def assess_motor(
    tries: Iterable[MotorTry],
    config: MotorConfig = DEFAULT_MOTOR_CONFIG,
    *,
    baseline_start: datetime.date | None = None,
) -> MotorAssessment:
    """Stateless: recompute from all of a patient's tries.

    ``baseline_start`` (an addition to the interface) is for a re-baseline,
    e.g. after surgery: tries before it still count as practice (the patient
    has learned the test), but the baseline forms from tries on or after it.
    Tries on the same date keep their given order.
    """
    by_measure: dict[str, list[MotorTry]] = {}
    for t in tries:
        _check_try(t)
        by_measure.setdefault(t.measure, []).append(t)
    summaries: dict[str, MeasureSummary] = {}
    events: list[tuple[datetime.date, int, Event]] = []
    for order, measure in enumerate(MEASURES):
        rows = by_measure.get(measure)
        if not rows:
            continue
        rows.sort(key=lambda t: t.date)  # stable: same-day tries keep their order
        summary, measure_events = _assess_measure(measure, rows, config, baseline_start)
        summaries[measure] = summary
        events.extend((e.date, order, e) for e in measure_events)
    events.sort(key=lambda x: (x[0], x[1]))
    return MotorAssessment(summaries, tuple(e for _, _, e in events))


def _check_try(t: MotorTry) -> None:
    if t.measure not in HIGHER_IS_BETTER:
        raise ValueError(f"unknown motor measure {t.measure!r}; expected one of {', '.join(MEASURES)}")
    if not isinstance(t.date, datetime.date):
        raise ValueError(f"a {t.measure} try needs a date, not {t.date!r}")
    v = t.value
    if v is None:
        return
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise ValueError(f"a {t.measure} value must be a number of at least 0 or None, not {v!r}")


def _assess_measure(
    measure: str, rows: list[MotorTry], cfg: MotorConfig, baseline_start: datetime.date | None
) -> tuple[MeasureSummary, list[Event]]:
    higher = HIGHER_IS_BETTER[measure]
    need = cfg.sustained_tries
    practice: list[bool] = []
    done_practice = 0
    baseline_rows: list[MotorTry] = []
    baseline: float | None = None
    share = cfg.decline_share(measure)
    threshold: float | None = None
    # The patient's own test-retest differences since the baseline began.
    diffs: list[float] = []
    previous: float | None = None
    open_ = False
    low_run: list[MotorTry] = []  # the current run of low tries (while closed)
    ok_run: list[MotorTry] = []  # the current run of tries back at the threshold (while open)
    events: list[Event] = []

    for t in rows:
        if done_practice < cfg.practice_tries:
            practice.append(True)
            if t.value is not None:
                done_practice += 1
            continue
        practice.append(False)
        if baseline is None:
            if t.value is not None and (baseline_start is None or t.date >= baseline_start):
                baseline_rows.append(t)
                if previous is not None:
                    diffs.append(abs(t.value - previous))
                previous = t.value
                if len(baseline_rows) == cfg.baseline_tries:
                    baseline = _median([r.value for r in baseline_rows])
                    share = _share(cfg, measure, diffs, baseline)
                    threshold = _threshold(baseline, share, higher)
            continue
        low = t.value is None or (t.value < threshold if higher else t.value > threshold)
        if not open_:
            low_run = [*low_run, t] if low else []
            if len(low_run) >= need:
                open_ = True
                ok_run = []
                events.append(
                    _event(OPENED, measure, t.date, cfg, low_run[-need:], baseline, threshold, share, done_practice)
                )
                low_run = []
        else:
            ok_run = [] if low else [*ok_run, t]
            if len(ok_run) >= need:
                open_ = False
                low_run = []
                events.append(
                    _event(CLOSED, measure, t.date, cfg, ok_run[-need:], baseline, threshold, share, done_practice)
                )
                ok_run = []
        # Learn the noise after judging the try, so a try never widens its own threshold.
        if t.value is not None:
            if previous is not None:
                diffs.append(abs(t.value - previous))
            previous = t.value
            share = _share(cfg, measure, diffs, baseline)
            threshold = _threshold(baseline, share, higher)

    latest = rows[-1].value
    change = (latest - baseline) / baseline if latest is not None and baseline else None
    summary = MeasureSummary(
        measure=measure,
        practice=tuple(practice),
        baseline=baseline,
        latest=latest,
        change_share=change,
        declining=open_,
        threshold=threshold,
        baseline_dates=tuple(r.date for r in baseline_rows) if baseline is not None else (),
        decline_share=share if baseline is not None else None,
    )
    return summary, events


def own_noise_share(diffs: list[float], baseline: float) -> float | None:
    """The patient's test-retest SD as a share of the baseline, from successive differences.

    For independent noise of SD s, |x_t - x_(t-1)| has median 0.954 s; the
    median (not the mean) so that one distracted try or a step drop does
    not count as noise. A slow decline hardly moves successive differences.
    """
    if not diffs or baseline <= 0:
        return None
    return _median(diffs) * 1.048 / baseline


def _share(cfg: MotorConfig, measure: str, diffs: list[float], baseline: float) -> float:
    """The configured share, widened for a patient whose own tests vary more than the published noise."""
    share = cfg.decline_share(measure)
    if cfg.own_noise_z and len(diffs) >= cfg.own_noise_min_tries:
        own = own_noise_share(diffs, baseline)
        if own is not None:
            share = max(share, min(MAX_SHARE, cfg.own_noise_z * own))
    return share


def _threshold(baseline: float, share: float, higher: bool) -> float:
    return baseline * (1 - share) if higher else baseline * (1 + share)


def _event(
    kind: str,
    measure: str,
    date: datetime.date,
    cfg: MotorConfig,
    run: list[MotorTry],
    baseline: float,
    threshold: float,
    share: float,
    practice_tries: int,
) -> Event:
    values = [r.value for r in run]
    label = MEASURE_LABELS[measure]
    shown = _join([_fmt_value(measure, v) for v in values])
    base = _fmt_value(measure, baseline)
    data = {
        "measure": measure,
        "values": values,
        "dates": [r.date.isoformat() for r in run],
        "baseline": baseline,
        "threshold": threshold,
        "decline_share": share,
        "practice_tries": practice_tries,
    }
    if kind == OPENED:
        known = [v for v in values if v is not None]
        if known:
            worst_change = (min(known) - baseline) / baseline if baseline else 0.0
            best_change = (max(known) - baseline) / baseline if baseline else 0.0
            data["change_share"] = best_change
            # The least-bad try says how far below the baseline they all are.
            gap = (
                f"at least {_pct(-best_change)} below" if worst_change != best_change else f"{_pct(-best_change)} below"
            )
        else:
            gap = "below"
        evidence = (
            f"{label} {shown} on the last {len(run)} tests, "
            f"{gap} the baseline of {base} (after {practice_tries} practice tries)."
        )
        return Event(OPENED, MOTOR_DECLINE, cfg.motor_decline_severity, date, evidence, data)
    evidence = f"{label} back within {_pct(share)} of the baseline of {base} on the last {len(run)} tests ({shown})."
    return Event(CLOSED, MOTOR_DECLINE, cfg.motor_decline_severity, date, evidence, data, RECOVERED)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def _fmt_value(measure: str, v: float | None) -> str:
    if v is None:
        return "could not do it"
    if measure == WALK:
        return f"{v:.2f} m/s"
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _pct(share: float) -> str:
    return f"{round(share * 100):d}%"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]

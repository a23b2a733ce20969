"""Scoring of the phone's hand and gait tests from what the browser recorded.

Pure Python, no Django. The server recomputes every result from the raw
events the page sends (tap times and targets, motion samples, start/stop
times), so a page that miscounts, or a client that sends a made-up count,
cannot put a wrong number in the record. Bad input raises
``MotorPayloadError`` naming the field, which the API answers with a 400.

The tests and their published basis are in docs/motor-tests.md:

* tap test: alternate taps on two large targets for 10 s with one hand, the
  phone's version of the 10-second grip-and-release test;
* step test: steps in place for 10 s (10.7 +/- 5.5 in DCM vs 19.6 +/- 3.5 in
  controls), counted by the motion sensor or typed by a helper;
* timed walk: a set distance, time and optional steps; speed and cadence.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TAP_DURATION_MS = 10_000
# Taps that arrive this long after the countdown ended are the finger already
# on its way when the page said stop: ignored rather than refused.
TAP_GRACE_MS = 1_000
# Two touches this close together by different pointers (fingers) are one
# gesture: a palm or two fingers landing at once, or both targets pressed
# together. A single finger alternating between two targets 8 cm apart needs
# well over 60 ms per tap (about 8 taps a second is fast for a healthy hand).
SIMULTANEOUS_MS = 50
TARGETS = ("a", "b")
MISS = "miss"
# Ten seconds at an implausible 30 taps a second: anything longer is not a tap test.
MAX_TAP_EVENTS = 300

STEP_DURATION_MS = 10_000
MAX_STEPS_IN_10_S = 60  # 6 steps a second in place is beyond anyone; a typo, not a result
MAX_MOTION_SAMPLES = 3_000  # 10 s at up to 200 Hz, with room for a late stop
# Peaks of the acceleration's magnitude closer together than this are one step
# (marching in place at 3 steps a second is already fast).
MIN_STEP_GAP_MS = 250
# A step must lift the acceleration this far above its resting level (m/s^2);
# a phone held in the hand while standing still wobbles by less.
STEP_PEAK_MS2 = 1.2

WALK_MIN_S = 1.0
WALK_MAX_S = 600.0
WALK_MIN_M = 1.0
WALK_MAX_M = 100.0
MAX_WALK_STEPS = 2_000


class MotorPayloadError(ValueError):
    """A payload the server cannot score; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _number(value, field: str, *, low: float, high: float, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MotorPayloadError(field, "must be a number.")
    if integer and value != int(value):
        raise MotorPayloadError(field, "must be a whole number.")
    if not low <= value <= high:
        raise MotorPayloadError(field, f"must be between {low:g} and {high:g}.")
    return int(value) if integer else float(value)


# ----- tap test ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TapEvent:
    t_ms: float  # milliseconds since the countdown reached zero
    target: str  # "a", "b" or "miss" (outside both targets)
    pointer: int  # the Pointer Events pointerId: one finger, one mouse


@dataclass(frozen=True)
class TapResult:
    count: int  # valid taps: the first on a target, then each on the other target
    misses: int  # taps outside both targets, or on the same target twice in a row
    merged: int  # touches not counted because another finger touched at the same moment
    intervals_ms: tuple[float, ...]
    rhythm_cv: float | None  # coefficient of variation of the intervals; None under 3 valid taps
    fatigue: float | None  # rate in the last third / rate in the first third; None with no early taps
    duration_ms: int


def parse_tap_events(raw) -> list[TapEvent]:
    """[{"t": ms, "target": "a"|"b"|"miss", "pointer": id}, ...] as the page sends them."""
    if not isinstance(raw, list | tuple):
        raise MotorPayloadError("events", "must be a list of taps.")
    if len(raw) > MAX_TAP_EVENTS:
        raise MotorPayloadError("events", f"at most {MAX_TAP_EVENTS} taps in one test.")
    events = []
    last = -1.0
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise MotorPayloadError(f"events[{i}]", 'must be an object {"t", "target", "pointer"}.')
        unknown = set(item) - {"t", "target", "pointer"}
        if unknown:
            raise MotorPayloadError(f"events[{i}]", f"unknown key {sorted(unknown)[0]!r}.")
        t = _number(item.get("t"), f"events[{i}].t", low=0, high=TAP_DURATION_MS + TAP_GRACE_MS)
        if t < last:
            raise MotorPayloadError(f"events[{i}].t", "taps must be in time order.")
        last = t
        target = item.get("target")
        if target not in (*TARGETS, MISS):
            raise MotorPayloadError(f"events[{i}].target", 'must be "a", "b" or "miss".')
        pointer = _number(item.get("pointer", 1), f"events[{i}].pointer", low=0, high=2**31, integer=True)
        events.append(TapEvent(t, target, int(pointer)))
    return events


def score_taps(events: Sequence[TapEvent], duration_ms: int = TAP_DURATION_MS) -> TapResult:
    """Count the valid alternations, misses and merged touches of one hand's 10 seconds."""
    count = misses = merged = 0
    last_target: str | None = None
    valid_times: list[float] = []
    previous: TapEvent | None = None
    for ev in events:
        if ev.t_ms > duration_ms:
            break
        if previous is not None and ev.pointer != previous.pointer and ev.t_ms - previous.t_ms < SIMULTANEOUS_MS:
            # Another finger at the same moment: one gesture, already judged.
            merged += 1
            previous = ev
            continue
        previous = ev
        if ev.target == MISS or ev.target == last_target:
            misses += 1
            continue
        count += 1
        last_target = ev.target
        valid_times.append(ev.t_ms)
    intervals = tuple(b - a for a, b in zip(valid_times, valid_times[1:], strict=False))
    return TapResult(
        count=count,
        misses=misses,
        merged=merged,
        intervals_ms=intervals,
        rhythm_cv=coefficient_of_variation(intervals),
        fatigue=fatigue_ratio(valid_times, duration_ms),
        duration_ms=duration_ms,
    )


def coefficient_of_variation(intervals: Sequence[float]) -> float | None:
    """Sample SD / mean of the intervals: 0 is a metronome; None with fewer than 2 intervals."""
    if len(intervals) < 2:
        return None
    mean = statistics.fmean(intervals)
    if mean <= 0:
        return None
    return round(statistics.stdev(intervals) / mean, 3)


def fatigue_ratio(times_ms: Sequence[float], duration_ms: int) -> float | None:
    """Taps in the last third of the test over taps in the first third.

    1.0 keeps pace, 0.5 is half as fast at the end. None when the first third
    has no taps (nothing to compare with).
    """
    third = duration_ms / 3
    first = sum(1 for t in times_ms if t < third)
    last = sum(1 for t in times_ms if t >= duration_ms - third)
    if first == 0:
        return None
    return round(last / first, 3)


# ----- step test --------------------------------------------------------------


def parse_motion_samples(raw) -> list[tuple[float, float]]:
    """[[t_ms, ax, ay, az], ...] (accelerationIncludingGravity) -> [(t_ms, magnitude)]."""
    if not isinstance(raw, list | tuple):
        raise MotorPayloadError("samples", "must be a list of [t, x, y, z] readings.")
    if len(raw) > MAX_MOTION_SAMPLES:
        raise MotorPayloadError("samples", f"at most {MAX_MOTION_SAMPLES} readings.")
    out = []
    last = -1.0
    for i, item in enumerate(raw):
        if not isinstance(item, list | tuple) or len(item) != 4:
            raise MotorPayloadError(f"samples[{i}]", "must be [t, x, y, z].")
        t = _number(item[0], f"samples[{i}][0]", low=0, high=STEP_DURATION_MS + TAP_GRACE_MS)
        if t < last:
            raise MotorPayloadError(f"samples[{i}][0]", "readings must be in time order.")
        last = t
        x, y, z = (_number(v, f"samples[{i}]", low=-200, high=200) for v in item[1:])
        out.append((t, math.sqrt(x * x + y * y + z * z)))
    return out


def count_steps_from_motion(samples: Sequence[tuple[float, float]], duration_ms: int = STEP_DURATION_MS) -> int:
    """Steps in place from the phone's acceleration magnitude (held or in a pocket).

    Each step lifts and drops the body once: one peak of the magnitude above
    its own mean. The signal is smoothed over about 100 ms (a moving average)
    so the judder of a footfall is one peak, peaks must rise STEP_PEAK_MS2
    above the mean and be MIN_STEP_GAP_MS apart.
    """
    inside = [(t, m) for t, m in samples if t <= duration_ms]
    if len(inside) < 3:
        return 0
    mean = statistics.fmean(m for _, m in inside)
    span_ms = inside[-1][0] - inside[0][0]
    rate = (len(inside) - 1) / span_ms * 1000 if span_ms > 0 else 60.0
    half = max(1, round(rate * 0.05))
    values = [m for _, m in inside]
    smooth = [statistics.fmean(values[max(0, i - half) : i + half + 1]) - mean for i in range(len(values))]
    steps = 0
    last_peak = -math.inf
    armed = True  # a new step needs the signal to come back below the mean first
    for i in range(1, len(smooth) - 1):
        if smooth[i] < 0:
            armed = True
        is_peak = smooth[i] >= smooth[i - 1] and smooth[i] > smooth[i + 1] and smooth[i] >= STEP_PEAK_MS2
        if is_peak and armed and inside[i][0] - last_peak >= MIN_STEP_GAP_MS:
            steps += 1
            last_peak = inside[i][0]
            armed = False
    return steps


def typed_step_count(value) -> int:
    """A helper's count of the steps in 10 s."""
    return int(_number(value, "steps", low=0, high=MAX_STEPS_IN_10_S, integer=True))


# ----- timed walk -------------------------------------------------------------


@dataclass(frozen=True)
class WalkResult:
    duration_s: float
    distance_m: float
    steps: int | None
    speed_m_s: float  # distance / time
    cadence: float | None  # steps per minute


def score_walk(*, duration_ms, distance_m, steps=None) -> WalkResult:
    """Speed and cadence from the time between Start and Stop over a set distance."""
    seconds = _number(duration_ms, "duration_ms", low=WALK_MIN_S * 1000, high=WALK_MAX_S * 1000) / 1000
    distance = _number(distance_m, "distance_m", low=WALK_MIN_M, high=WALK_MAX_M)
    count = None
    if steps is not None and steps != "":
        count = int(_number(steps, "steps", low=1, high=MAX_WALK_STEPS, integer=True))
    return WalkResult(
        duration_s=round(seconds, 2),
        distance_m=distance,
        steps=count,
        speed_m_s=round(distance / seconds, 3),
        cadence=None if count is None else round(count / seconds * 60, 1),
    )

"""The naive reference rule of issue 13, exactly as the issue defines it.

Baseline: the median of a patient's first 10 totals. Alert when the mean of
the last 10 totals is at least 1.5 below that baseline on two check-ins in a
row. It is here only as a yardstick: the figures of ``detection.rules`` are
reported beside it (docs/detection.md), and bench/bench_replay.py times it as
the plain-Python speed reference.

What the issue leaves open, decided here: the rule is checked from the 11th
check-in on (so the window may still overlap the baseline's check-ins); after
an alert it re-arms once the condition is false again, so one long decline
gives one alert and a patient who recovers and falls again gives another.
The plain median (not the interpolated one) and the arithmetic mean.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from detection.rules import DayScore

NAIVE_RULE = "naive_decline"
BASELINE_CHECKINS = 10
WINDOW = 10
DROP = 1.5


def naive_alerts(days: list[DayScore]) -> list[Any]:
    """The dates on which the naive rule alerts, for one patient's check-ins in date order."""
    totals: list[int] = []
    baseline = None
    window_sum = 0
    below_run = 0
    armed = True
    out = []
    for day in days:
        total = day.fine_motor + day.gait + day.sensation + day.bladder
        totals.append(total)
        window_sum += total
        n = len(totals)
        if n > WINDOW:
            window_sum -= totals[n - 1 - WINDOW]
        if n == BASELINE_CHECKINS:
            ordered = sorted(totals)
            baseline = (ordered[4] + ordered[5]) / 2.0
        if n <= BASELINE_CHECKINS:
            continue
        if baseline - window_sum / WINDOW >= DROP:
            below_run += 1
            if below_run >= 2 and armed:
                out.append(day.date)
                armed = False
        else:
            below_run = 0
            armed = True
    return out


def naive_replay(by_patient: dict[str, list[DayScore]]) -> Iterator[dict[str, Any]]:
    """Alert dicts in the shape ``detection.replay.replay_patients`` yields, so scoring takes either."""
    for pid, days in by_patient.items():
        for date in naive_alerts(days):
            yield {"patient_id": pid, "date": date.isoformat(), "rule": NAIVE_RULE, "severity": "high"}

"""The patient's own trend as a small server-drawn SVG: no chart library on a patient's page.

Pure: takes the plain dict of `tracker.trends.trend_series` and returns the
geometry and words the template prints (tracker/_patient_trend.html). A
weak phone signal then costs a few kilobytes of markup instead of plotly.js.

The y axis is the patient's own range (their values and their baseline, at
least MIN_SPAN points tall), not 0-18: on 0-18 a stable patient's points sit
in a thin band and a 2-point drop is invisible.
"""

from __future__ import annotations

import math
from datetime import date

from detection.scales import TOTAL_MAX

# Drawing units: the SVG scales to the width of the page, so these are
# proportions (a 340 px wide phone column draws them about 1:1).
WIDTH = 340
HEIGHT = 180
LEFT = 30  # room for the score labels
RIGHT = 8
TOP = 12
BOTTOM = 28  # room for the date labels
# One point of noise must not look like a cliff.
MIN_SPAN = 4


def _scale(values: list[float]) -> tuple[int, int]:
    """(low, high) whole scores covering the values, at least MIN_SPAN apart, inside 0..TOTAL_MAX."""
    lo, hi = math.floor(min(values)), math.ceil(max(values))
    while hi - lo < MIN_SPAN:
        if hi < TOTAL_MAX:
            hi += 1
        if hi - lo < MIN_SPAN and lo > 0:
            lo -= 1
    return lo, hi


def _short(day: date) -> str:
    return f"{day.day} {day:%b}"


def _change_words(levels: list[float], days: list[date]) -> str:
    """The drawing in one or two sentences, for a screen reader and for anyone who reads rather than looks."""
    first, last = levels[0], levels[-1]
    length = (days[-1] - days[0]).days + 1
    over = "today" if length <= 1 else f"over {length} days"
    if first == last:
        words = f"Your total stayed at {last:g} of {TOTAL_MAX} {over}."
    else:
        words = f"Your total went from {first:g} to {last:g} of {TOTAL_MAX} {over}."
    # A dip between two equal ends is what the drawing shows first: say it too.
    low = min(levels)
    if low <= min(first, last) - 1:
        words += f" It was lowest, {low:g}, on {_short(days[levels.index(low)])}."
    return words


def _level_label(total: float) -> dict:
    """The starting level as the patient reads it: a whole score, "about" when the baseline is a mean.

    An automatic baseline is the mean of the first check-ins (14.3333...): the
    scores themselves are whole numbers, so the axis shows the nearest one and
    the words say "about 14", as the Today page does.
    """
    whole = int(total + 0.5)  # half up, as floatformat:"0" on the Today page rounds
    exact = abs(total - whole) < 1e-9
    return {"value": str(whole), "words": str(whole) if exact else f"about {whole}"}


def patient_trend(data: dict) -> dict | None:
    """Geometry and words for the patient's total over the range; None when there is nothing to draw.

    The line is the smoothed level (the median of recent check-ins, what the
    words above the chart compare), the dots each day's total, the dashed
    line their starting level (baseline); red-flag days are drawn in red.
    """
    if not data["dates"]:
        return None
    days = [date.fromisoformat(d) for d in data["dates"]]
    totals = data["series"]["total"]
    smoothed = data["smoothed"]["total"]
    start = date.fromisoformat(data.get("view_start", data["start"]))
    start = min(start, days[0])
    end = date.fromisoformat(data["end"])
    segments = data["baselines"]
    lo, hi = _scale(totals + smoothed + [s["total"] for s in segments])
    span_days = max((end - start).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return round(LEFT + plot_w * (day - start).days / span_days, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (hi - value) / (hi - lo), 1)

    red_days = {d["date"] for d in data["red_flag_days"]}
    baselines = [
        {
            "x1": x(date.fromisoformat(s["from"])),
            "x2": x(date.fromisoformat(s["to"])),
            "y": y(s["total"]),
            **_level_label(s["total"]),
        }
        for s in segments
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM},
        "line": " ".join(f"{x(d)},{y(v)}" for d, v in zip(days, smoothed, strict=True)),
        "dots": [
            {"x": x(d), "y": y(v), "red_flag": iso in red_days}
            for d, v, iso in zip(days, totals, data["dates"], strict=True)
        ],
        "baselines": baselines,
        "baseline_label": baselines[-1] if baselines else None,
        # The starting level gets its own score label on the axis unless it sits on the top or bottom one,
        # or so close that the two labels would overlap.
        "baseline_tick": bool(baselines) and min(abs(baselines[-1]["y"] - y(v)) for v in (hi, lo)) >= 16,
        "y_ticks": [{"y": y(v), "label": str(v)} for v in (hi, lo)],
        "x_ticks": [
            {"x": x(start), "label": _short(start), "anchor": "start"},
            # The patient's range always ends on their today.
            {"x": x(end), "label": "Today", "anchor": "end"},
        ],
        "low": lo,
        "high": hi,
        "summary": _change_words(smoothed, days),
        "red_flag_count": len(red_days),
    }

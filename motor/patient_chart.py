"""The patient's own test results as small server-drawn SVGs, like tracker.patient_chart: no chart library.

One strip per measure (each hand's taps, steps, walking speed), a dot per
try in time order. Practice tries are hollow grey rings (they do not count
towards the starting level), counted tries filled blue, "could not do it"
a red cross on the bottom line; the starting level (the rule's baseline) a
dashed green line once there is one.
"""

from __future__ import annotations

from collections import defaultdict

from motor.models import MotorTest
from motor.selectors import motor_overview, tests_due

WIDTH = 340
HEIGHT = 120
LEFT = 40
RIGHT = 10
TOP = 12
BOTTOM = 22
LABELS = {
    "tap_right": ("Right-hand taps", "taps"),
    "tap_left": ("Left-hand taps", "taps"),
    "step": ("Steps in 10 seconds", "steps"),
    "walk": ("Walking speed", "metres a second"),
}
ORDER = ("tap_right", "tap_left", "step", "walk")


def _fmt(measure: str, value: float) -> str:
    return f"{value:.2f}" if measure == "walk" else f"{value:g}"


def _strip(measure: str, rows: list[MotorTest], baseline: float | None) -> dict:
    values = [r.value for r in rows if r.value is not None]
    top = max(values + ([baseline] if baseline else []), default=1) * 1.15 or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(rows)

    def x(i: int) -> float:
        return round(LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - v / top), 1)

    dots = []
    for i, r in enumerate(rows):
        if r.value is None:
            dots.append({"x": x(i), "y": y(0), "kind": "none"})
        else:
            dots.append({"x": x(i), "y": y(r.value), "kind": "practice" if r.practice else "counted"})
    label, unit = LABELS[measure]
    counted = [r for r in rows if not r.practice and r.value is not None]
    latest = rows[-1]
    words = f"{len(rows)} test{'s' if n != 1 else ''}"
    practice = sum(1 for r in rows if r.practice)
    if practice:
        words += (
            f", {practice} of them practice" if practice < n else (", a practice test" if n == 1 else ", all practice")
        )
    if latest.value is not None:
        words += f". Latest {_fmt(measure, latest.value)} {unit} on {latest.date:%-d %b}"
    else:
        words += f". On {latest.date:%-d %b} you could not do it"
    if baseline is not None:
        words += f"; your starting level is {_fmt(measure, baseline)}"
    return {
        "measure": measure,
        "label": label,
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM},
        "dots": dots,
        "line": " ".join(f"{d['x']},{d['y']}" for d, r in zip(dots, rows, strict=True) if d["kind"] == "counted"),
        "baseline_y": y(baseline) if baseline is not None else None,
        "baseline": _fmt(measure, baseline) if baseline is not None else None,
        "y_ticks": [{"y": y(0), "label": "0"}, {"y": y(top / 1.15), "label": _fmt(measure, round(top / 1.15, 2))}],
        "summary": words + ".",
        "has_practice": bool(practice),
        "has_none": any(d["kind"] == "none" for d in dots),
        "counted": len(counted),
    }


def patient_motor_charts(rows, assessment) -> list[dict]:
    """One strip per measure the patient has done, in a fixed order (right hand first)."""
    by_measure: dict[str, list[MotorTest]] = defaultdict(list)
    for r in rows:
        by_measure[r.measure].append(r)
    summaries = assessment.measures if assessment is not None else {}
    return [
        _strip(m, by_measure[m], summaries[m].baseline if m in summaries else None) for m in ORDER if by_measure.get(m)
    ]


def my_tests_panel(*, patient, today=None) -> dict:
    """What "My days" shows about the tests: offered or not, due or not, and the result strips."""
    due = tests_due(patient=patient, today=today)
    if not due["enabled"]:
        return {"enabled": False}
    rows, assessment = motor_overview(patient=patient)
    return {**due, "charts": patient_motor_charts(rows, assessment)}

"""The care team's chart of the phone tests: one plotly panel per measure, beside the mJOA chart.

Kept apart from tracker/charts.py (the check-in chart) so the two evolve
separately; the page draws it with the same static/js/charts.js. Every trace
carries meta={"panel": measure, "kind": ...} like the check-in chart's.
Practice tries are open grey circles (not part of the baseline), counted
tries filled, "could not do it" red crosses on the axis; the rule's baseline
is a dashed green line and its decline threshold a dotted one.
"""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from motor.selectors import motor_overview
from motor.services import motor_settings_for

TITLES = {
    "tap_right": "Right-hand taps (10 s)",
    "tap_left": "Left-hand taps (10 s)",
    "step": "Steps on the spot (10 s)",
    "walk": "Walking speed (m/s)",
}
ORDER = ("tap_right", "tap_left", "step", "walk")
COUNTED = "#0b5cad"
PRACTICE = "#7f8c9a"
BASELINE = "#17663a"
THRESHOLD = "#b7950b"
RED = "#b00020"


def _hover(row) -> str:
    if row.could_not_do:
        return f"{row.date:%d %b %Y}: could not do it"
    extra = ""
    if row.kind == "tap":
        extra = f", {row.misses} missed" + (f", CV {row.rhythm_cv:.2f}" if row.rhythm_cv is not None else "")
    if row.kind == "walk":
        extra = f", {row.duration_s:g} s over {row.distance_m:g} m" + (
            f", {row.cadence:g} steps/min" if row.cadence else ""
        )
    practice = " (practice)" if row.practice else ""
    value = f"{row.value:.2f}" if row.kind == "walk" else f"{row.value:g}"
    return f"{row.date:%d %b %Y}: {value}{extra}{practice} · {row.get_input_method_display()}"


def motor_figure(rows, assessment) -> go.Figure | None:
    """None when there is no try in the range."""
    by_measure: dict[str, list] = {}
    for row in rows:
        by_measure.setdefault(row.measure, []).append(row)
    measures = [m for m in ORDER if by_measure.get(m)]
    if not measures:
        return None
    fig = make_subplots(
        rows=len(measures),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=[TITLES[m] for m in measures],
    )
    summaries = assessment.measures if assessment is not None else {}
    for i, measure in enumerate(measures, start=1):
        tries = by_measure[measure]
        first = i == 1
        for kind, colour, symbol, pick in (
            ("practice", PRACTICE, "circle-open", lambda r: r.practice and not r.could_not_do),
            ("counted", COUNTED, "circle", lambda r: not r.practice and not r.could_not_do),
        ):
            chosen = [r for r in tries if pick(r)]
            fig.add_trace(
                go.Scatter(
                    x=[r.date.isoformat() for r in chosen],
                    y=[r.value for r in chosen],
                    mode="lines+markers" if kind == "counted" else "markers",
                    marker={"color": colour, "symbol": symbol, "size": 9, "line": {"width": 2, "color": colour}},
                    line={"color": colour, "width": 2},
                    name="Practice try" if kind == "practice" else "Test",
                    legendgroup=kind,
                    showlegend=first,
                    hovertext=[_hover(r) for r in chosen],
                    hoverinfo="text",
                    meta={"panel": measure, "kind": kind},
                ),
                row=i,
                col=1,
            )
        missed = [r for r in tries if r.could_not_do]
        if missed:
            fig.add_trace(
                go.Scatter(
                    x=[r.date.isoformat() for r in missed],
                    y=[0] * len(missed),
                    mode="markers",
                    marker={"color": RED, "symbol": "x", "size": 11},
                    name="Could not do it",
                    legendgroup="none",
                    showlegend=True,
                    hovertext=[_hover(r) for r in missed],
                    hoverinfo="text",
                    meta={"panel": measure, "kind": "could_not_do"},
                ),
                row=i,
                col=1,
            )
        summary = summaries.get(measure)
        if summary is not None and summary.baseline is not None:
            x = [tries[0].date.isoformat(), tries[-1].date.isoformat()]
            for kind, value, colour, dash, label in (
                ("baseline", summary.baseline, BASELINE, "dash", "Baseline (after practice)"),
                ("threshold", summary.threshold, THRESHOLD, "dot", "Decline threshold"),
            ):
                if value is None:
                    continue
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=[value, value],
                        mode="lines",
                        line={"color": colour, "dash": dash, "width": 2},
                        name=label,
                        legendgroup=kind,
                        showlegend=first,
                        hoverinfo="text",
                        hovertext=[f"{label}: {value:.2f}" if measure == "walk" else f"{label}: {value:g}"] * 2,
                        meta={"panel": measure, "kind": kind},
                    ),
                    row=i,
                    col=1,
                )
        fig.update_yaxes(rangemode="tozero", fixedrange=True, row=i, col=1)
    # At least a fortnight wide: a single try must not stretch the axis to milliseconds.
    first, last = min(r.date for r in rows), max(r.date for r in rows)
    pad = timedelta(days=max(3, (14 - (last - first).days) // 2))
    fig.update_xaxes(type="date", fixedrange=True, range=[(first - pad).isoformat(), (last + pad).isoformat()])
    fig.update_layout(
        height=170 * len(measures) + 90,
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.12},
        hovermode="closest",
        plot_bgcolor="#fff",
    )
    return fig


def figure_json(fig: go.Figure) -> str:
    """The figure as JSON safe inside <script type="application/json">."""
    return fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart_summary(rows, assessment) -> str:
    """The chart in words, for a screen reader."""
    parts = []
    summaries = assessment.measures if assessment is not None else {}
    for m in ORDER:
        tries = [r for r in rows if r.measure == m]
        if not tries:
            continue
        s = summaries.get(m)
        words = f"{TITLES[m]}: {len(tries)} tries"
        if s is not None and s.baseline is not None:
            words += f", baseline {s.baseline:g}"
            if s.latest is not None and s.change_share is not None:
                words += f", latest {s.latest:g} ({s.change_share:+.0%})"
            if s.declining:
                words += ", declining"
        parts.append(words)
    return "; ".join(parts) + "."


def measure_rows(rows, assessment) -> list[dict]:
    """Per measure: tries in the range, the baseline, the latest value and the change (the visit report's table)."""
    out = []
    summaries = assessment.measures if assessment is not None else {}
    for m in ORDER:
        tries = [r for r in rows if r.measure == m]
        s = summaries.get(m)
        if not tries or s is None:
            continue
        fmt = (lambda v: f"{v:.2f}") if m == "walk" else (lambda v: f"{v:g}")
        out.append(
            {
                "label": TITLES[m],
                "tries": len(tries),
                "practice": sum(1 for r in tries if r.practice),
                "could_not": sum(1 for r in tries if r.could_not_do),
                "baseline": fmt(s.baseline) if s.baseline is not None else "not yet (practice)",
                "latest": fmt(s.latest) if s.latest is not None else "could not do it",
                "change": f"{s.change_share:+.0%}" if s.change_share is not None else "",
                "declining": s.declining,
            }
        )
    return out


def motor_chart_context(*, patient, start=None, end=None) -> dict:
    """What the clinician's chart page and the visit report need about the tests (one hook each)."""
    rows, assessment = motor_overview(patient=patient, start=start, end=end)
    fig = motor_figure(rows, assessment)
    return {
        "motor_rows": rows,
        "motor_assessment": assessment,
        "motor_figure_json": figure_json(fig) if fig is not None else "",
        "motor_summary": chart_summary(rows, assessment) if rows else "",
        "motor_settings": motor_settings_for(patient),
        "motor_measures": measure_rows(rows, assessment),
        "motor_declining": [TITLES[m] for m in assessment.declining_measures] if assessment is not None else [],
    }

"""The operating curve of score_detection --sweep as a plotly figure.

Sensitivity against false decline alerts per stable patient-year, one point
per setting of the sensitivity dial, the named operating points labelled and
the naive reference rule beside them; the median delay is in each point's
label and hover text. A self-contained HTML file (plotly.js inlined), so a
clinic can open it without a network.
"""

from __future__ import annotations

import plotly.graph_objects as go

from detection.scoring import Score, SweepPoint


def curve_figure(points: list[SweepPoint], naive: Score | None = None) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[p.score.false_per_patient_year for p in points],
            y=[100 * p.score.sensitivity for p in points],
            mode="lines+markers+text",
            name="MyeloTrack (dial setting)",
            # Only the named points are labelled on the figure (the others crowd it); all have hover text.
            text=[f"{p.name} · {p.score.median_delay:g} d" if p.name else "" for p in points],
            customdata=[f"{p.level:g} {p.name}".strip() + f" · {p.score.median_delay:g} d" for p in points],
            textposition="top right",
            hovertemplate="%{customdata}<br>false %{x:.3f} / patient-year<br>sensitivity %{y:.1f}%<extra></extra>",
        )
    )
    named = [p for p in points if p.name]
    fig.add_trace(
        go.Scatter(
            x=[p.score.false_per_patient_year for p in named],
            y=[100 * p.score.sensitivity for p in named],
            mode="markers",
            marker={"size": 14, "symbol": "diamond"},
            name="named operating points",
            hoverinfo="skip",
        )
    )
    if naive is not None:
        fig.add_trace(
            go.Scatter(
                x=[naive.false_per_patient_year],
                y=[100 * naive.sensitivity],
                mode="markers+text",
                marker={"size": 14, "symbol": "x"},
                text=[f"naive rule · {naive.median_delay:g} d"],
                textposition="bottom left",
                name="naive rule",
            )
        )
    fig.update_layout(
        title="Operating curve: sensitivity against false decline alerts (label: median delay)",
        xaxis_title="false decline alerts per stable patient-year",
        yaxis_title="sensitivity (%)",
        template="plotly_white",
        width=900,
        height=560,
    )
    return fig


def curve_figure_html(points: list[SweepPoint], naive: Score | None = None) -> str:
    return curve_figure(points, naive).to_html(include_plotlyjs=True, full_html=True)

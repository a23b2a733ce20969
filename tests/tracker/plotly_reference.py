"""The clinician figure as it was built before it became plain data: with plotly.graph_objects.

Kept only as the yardstick of tests/tracker/test_chart_plain_data.py, which
checks that tracker.charts.clinician_figure_data draws exactly this. Do not
extend it: new rows of traces go in tracker/charts.py (the test then compares
the rows this reference knows about).
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from detection.scales import DOMAIN_KEYS, RED_FLAG_LABELS
from tracker.charts import (
    ALERT_LIFT,
    BASELINE,
    DAILY,
    EVENT_COLOURS,
    MCID,
    PANEL_MAX,
    PANEL_TITLES,
    PANELS,
    RED,
    SEVERITY_COLOURS,
    SMOOTH,
    _day_edges,
    _meta,
    date_ticks,
)


def _value_on(data, panel, day):
    try:
        return data["series"][panel][data["dates"].index(day)]
    except ValueError:
        return None


def _baseline_traces(data, panel, *, show_legend):
    line_x, line_y, band_x, band_y, hover = [], [], [], [], []
    mcid = data.get("mcid", MCID)[panel]
    for seg in data["baselines"]:
        value = seg[panel]
        line_x += [seg["from"], seg["to"], None]
        line_y += [value, value, None]
        hover += [f"Baseline {value:g} from {seg['effective_from']} ({seg['method']})"] * 2 + [None]
        band_x += [seg["from"], seg["to"], seg["to"], seg["from"], seg["from"], None]
        band_y += [value - mcid, value - mcid, value + mcid, value + mcid, value - mcid, None]
    return [
        go.Scatter(
            x=band_x,
            y=band_y,
            mode="lines",
            fill="toself",
            fillcolor="rgba(23, 102, 58, 0.12)",
            line={"width": 0},
            hoverinfo="skip",
            name=f"Baseline ± {mcid:g} (MCID)",
            legendgroup="band",
            showlegend=show_legend,
            meta=_meta(panel, "band"),
        ),
        go.Scatter(
            x=line_x,
            y=line_y,
            mode="lines",
            line={"color": BASELINE, "width": 2, "dash": "dash"},
            hovertext=hover,
            hoverinfo="text",
            name="Baseline",
            legendgroup="baseline",
            showlegend=show_legend,
            meta=_meta(panel, "baseline"),
        ),
    ]


def _alert_trace(data, panel, *, show_legend):
    alerts = [a for a in data["alerts"] if panel == "total" or panel in a["domains"]]
    if not alerts:
        return None
    xs, ys, texts, colours = [], [], [], []
    for a in alerts:
        y = _value_on(data, panel, a["date"])
        if y is None:
            y = 0
        xs.append(a["date"])
        ys.append(round(y + ALERT_LIFT * PANEL_MAX[panel], 2))
        state = a["status"] + (f", {a['outcome'].replace('_', ' ')}" if a["outcome"] else "")
        texts.append(
            f"<b>{a['severity'].title()} alert: {a['rule'].replace('_', ' ')}</b> ({state})<br>{a['evidence']}"
        )
        colours.append(SEVERITY_COLOURS.get(a["severity"], RED))
    return go.Scatter(
        x=xs,
        y=ys,
        mode="markers",
        marker={"symbol": "triangle-down", "size": 14, "color": colours, "line": {"color": "#fff", "width": 1}},
        hovertext=texts,
        hoverinfo="text",
        name="Alert",
        legendgroup="alert",
        showlegend=show_legend,
        meta=_meta(panel, "alert"),
    )


def _red_flag_trace(data):
    days = data["red_flag_days"]
    if not days:
        return None
    return go.Scatter(
        x=[d["date"] for d in days],
        y=[d["total"] for d in days],
        mode="markers",
        marker={"symbol": "x", "size": 13, "color": RED, "line": {"color": RED, "width": 2}},
        hovertext=[
            f"<b>Red flag {d['date']}</b><br>{', '.join(RED_FLAG_LABELS.get(f, f) for f in d['flags'])}" for d in days
        ],
        hoverinfo="text",
        name="Red flag",
        meta=_meta("total", "red_flag"),
    )


def reference_figure(data: dict, *, height: int = 860) -> go.Figure:
    fig = make_subplots(
        rows=len(PANELS),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[0.32] + [0.17] * len(DOMAIN_KEYS),
        subplot_titles=[PANEL_TITLES[p] for p in PANELS],
    )
    for row, panel in enumerate(PANELS, start=1):
        first = row == 1
        for trace in _baseline_traces(data, panel, show_legend=first):
            fig.add_trace(trace, row=row, col=1)
        fig.add_trace(
            go.Scatter(
                x=data["dates"],
                y=data["series"][panel],
                mode="markers",
                marker={"color": DAILY, "size": 6},
                name="Daily check-in",
                legendgroup="daily",
                showlegend=first,
                hovertemplate="%{x|%d %b %Y}: %{y}<extra></extra>",
                meta=_meta(panel, "daily"),
            ),
            row=row,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=data["dates"],
                y=data["smoothed"][panel],
                mode="lines",
                line={"color": SMOOTH, "width": 2.5},
                name=f"Median of {data['smooth_window']} check-ins",
                legendgroup="smoothed",
                showlegend=first,
                hovertemplate="%{x|%d %b %Y}: median %{y}<extra></extra>",
                meta=_meta(panel, "smoothed"),
            ),
            row=row,
            col=1,
        )
        alert = _alert_trace(data, panel, show_legend=first)
        if alert is not None:
            fig.add_trace(alert, row=row, col=1)
        top = PANEL_MAX[panel]
        fig.update_yaxes(range=[-0.5, top * (1 + ALERT_LIFT) + 0.3], fixedrange=True, row=row, col=1)
    red = _red_flag_trace(data)
    if red is not None:
        fig.add_trace(red, row=1, col=1)
    for i, e in enumerate(data["events"]):
        colour = EVENT_COLOURS.get(e["kind"], "#555f6b")
        fig.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=e["date"],
            x1=e["date"],
            y0=0,
            y1=1,
            line={"color": colour, "width": 2, "dash": "dot"},
            name=f"event:{e['kind']}",
        )
        fig.add_annotation(
            x=e["date"],
            xref="x",
            y=1.03 + 0.022 * (i % 3),
            yref="paper",
            yanchor="bottom",
            text=e["label"],
            showarrow=False,
            font={"color": colour, "size": 11},
            hovertext=e["note"] or e["label"],
            name=f"event:{e['kind']}",
        )
    for d in data["red_flag_days"]:
        x0, x1 = _day_edges(d["date"])
        fig.add_shape(
            type="rect",
            xref="x",
            yref="paper",
            x0=x0,
            x1=x1,
            y0=0,
            y1=1,
            fillcolor="rgba(176, 0, 32, 0.15)",
            line={"width": 0},
            layer="below",
            name="red_flag_day",
        )
    view_start = data.get("view_start", data["start"])
    tick_values, tick_text = date_ticks(view_start, data["end"])
    fig.update_xaxes(
        range=[_day_edges(view_start)[0], _day_edges(data["end"])[1]],
        type="date",
        fixedrange=True,
        tickmode="array",
        tickvals=tick_values,
        ticktext=tick_text,
    )
    fig.update_layout(
        height=height,
        dragmode=False,
        margin={"l": 40, "r": 24, "t": 100 if data["events"] else 50, "b": 110},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "font": {"size": 11}},
        hovermode="closest",
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        font={"family": "system-ui, sans-serif", "size": 12},
        meta={"start": data["start"], "end": data["end"]},
    )
    fig.update_xaxes(showgrid=True, gridcolor="#e6eaee")
    fig.update_yaxes(showgrid=True, gridcolor="#e6eaee", zeroline=False)
    return fig

"""Plotly figures built from `tracker.trends.trend_series` data, and the patient's plain-words summary.

Pure: these take the plain dict of trend_series (no database), so the figure
data can be tested directly. The figure is built as plain dicts and lists
(what plotly.js reads), not with plotly.graph_objects, whose validation of a
year of points cost most of the chart page's time. Every trace carries `meta={"panel", "kind"}`
naming what it draws; the tests and charts.js rely on nothing else.
The browser gets the figure as JSON and draws it with the vendored
plotly.js basic bundle (scatter traces and layout shapes only).
"""

from __future__ import annotations

import bisect
import copy
import functools
import json
import statistics
from collections.abc import Callable
from datetime import date, datetime, timedelta

from detection.rules import RuleConfig
from detection.scales import DOMAIN_BY_KEY, DOMAIN_KEYS, MCID_TOTAL, RED_FLAG_LABELS, TOTAL_MAX
from tracker.rule_settings import mcid_by_panel

# Clinically meaningful change (CLINICAL.md): 2 points of the mJOA total, and
# our sustained single-domain decline thresholds for the subscores.
# The site defaults; a chart uses its patient's care-team thresholds (data["mcid"]).
MCID = mcid_by_panel(RuleConfig())
PANELS = ("total", *DOMAIN_KEYS)
PANEL_MAX = {"total": TOTAL_MAX, **{k: DOMAIN_BY_KEY[k].max_score for k in DOMAIN_KEYS}}
PANEL_TITLES = {"total": f"Total (mJOA, 0-{TOTAL_MAX})"} | {
    k: f"{DOMAIN_BY_KEY[k].label} (0-{DOMAIN_BY_KEY[k].max_score})" for k in DOMAIN_KEYS
}
ALERT_LIFT = 0.07  # of the panel's scale
SEVERITY_COLOURS = {"urgent": "#b00020", "high": "#d35400", "moderate": "#b7950b", "low": "#5d6d7e"}
EVENT_COLOURS = {"surgery": "#6c3483", "physiotherapy_start": "#117a65", "visit": "#1f618d"}
DAILY = "#7f8c9a"
SMOOTH = "#0b5cad"
BASELINE = "#17663a"
RED = "#b00020"


def _meta(panel: str, kind: str) -> dict:
    return {"panel": panel, "kind": kind}


def _day_edges(day: str) -> tuple[str, str]:
    d = date.fromisoformat(day)
    start = datetime(d.year, d.month, d.day) - timedelta(hours=12)
    return start.isoformat(sep=" "), (start + timedelta(days=1)).isoformat(sep=" ")


def _baseline_traces(data: dict, panel: str, *, show_legend: bool) -> list[dict]:
    """The baseline as one line (segments split by None) and a +/- MCID band."""
    line_x, line_y, band_x, band_y, hover = [], [], [], [], []
    mcid = data.get("mcid", MCID)[panel]
    for seg in data["baselines"]:
        value = seg[panel]
        line_x += [seg["from"], seg["to"], None]
        line_y += [value, value, None]
        hover += [f"Baseline {value:g} from {seg['effective_from']} ({seg['method']})"] * 2 + [None]
        band_x += [seg["from"], seg["to"], seg["to"], seg["from"], seg["from"], None]
        band_y += [value - mcid, value - mcid, value + mcid, value + mcid, value - mcid, None]
    band = {
        "type": "scatter",
        "x": band_x,
        "y": band_y,
        "mode": "lines",
        "fill": "toself",
        "fillcolor": "rgba(23, 102, 58, 0.12)",
        "line": {"width": 0},
        "hoverinfo": "skip",
        "name": f"Baseline ± {mcid:g} (MCID)",
        "legendgroup": "band",
        "showlegend": show_legend,
        "meta": _meta(panel, "band"),
    }
    line = {
        "type": "scatter",
        "x": line_x,
        "y": line_y,
        "mode": "lines",
        "line": {"color": BASELINE, "width": 2, "dash": "dash"},
        "hovertext": hover,
        "hoverinfo": "text",
        "name": "Baseline",
        "legendgroup": "baseline",
        "showlegend": show_legend,
        "meta": _meta(panel, "baseline"),
    }
    return [band, line]


def _series_traces(data: dict, panel: str, *, show_legend: bool) -> list[dict]:
    """The daily check-ins as points and their rolling median as a line."""
    daily = {
        "type": "scatter",
        "x": data["dates"],
        "y": data["series"][panel],
        "mode": "markers",
        "marker": {"color": DAILY, "size": 6},
        "name": "Daily check-in",
        "legendgroup": "daily",
        "showlegend": show_legend,
        "hovertemplate": "%{x|%d %b %Y}: %{y}<extra></extra>",
        "meta": _meta(panel, "daily"),
    }
    smoothed = {
        "type": "scatter",
        "x": data["dates"],
        "y": data["smoothed"][panel],
        "mode": "lines",
        "line": {"color": SMOOTH, "width": 2.5},
        "name": f"Median of {data['smooth_window']} check-ins",
        "legendgroup": "smoothed",
        "showlegend": show_legend,
        "hovertemplate": "%{x|%d %b %Y}: median %{y}<extra></extra>",
        "meta": _meta(panel, "smoothed"),
    }
    return [daily, smoothed]


def _alert_trace(data: dict, panel: str, *, show_legend: bool, index: dict[str, int]) -> dict | None:
    alerts = [a for a in data["alerts"] if panel == "total" or panel in a["domains"]]
    if not alerts:
        return None
    values = data["series"][panel]
    xs, ys, texts, colours = [], [], [], []
    for a in alerts:
        i = index.get(a["date"])
        # An alert on a day without a check-in (missed check-ins) sits on the axis.
        y = 0 if i is None else values[i]
        xs.append(a["date"])
        # Just above the day's point, pointing down at it, so hovering finds the alert, not the point.
        ys.append(round(y + ALERT_LIFT * PANEL_MAX[panel], 2))
        state = a["status"] + (f", {a['outcome'].replace('_', ' ')}" if a["outcome"] else "")
        texts.append(
            f"<b>{a['severity'].title()} alert: {a['rule'].replace('_', ' ')}</b> ({state})<br>{a['evidence']}"
        )
        colours.append(SEVERITY_COLOURS.get(a["severity"], RED))
    return {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "markers",
        "marker": {"symbol": "triangle-down", "size": 14, "color": colours, "line": {"color": "#fff", "width": 1}},
        "hovertext": texts,
        "hoverinfo": "text",
        "name": "Alert",
        "legendgroup": "alert",
        "showlegend": show_legend,
        "meta": _meta(panel, "alert"),
    }


def _red_flag_trace(data: dict) -> dict | None:
    days = data["red_flag_days"]
    if not days:
        return None
    return {
        "type": "scatter",
        "x": [d["date"] for d in days],
        "y": [d["total"] for d in days],
        "mode": "markers",
        "marker": {"symbol": "x", "size": 13, "color": RED, "line": {"color": RED, "width": 2}},
        "hovertext": [
            f"<b>Red flag {d['date']}</b><br>{', '.join(RED_FLAG_LABELS.get(f, f) for f in d['flags'])}" for d in days
        ],
        "hoverinfo": "text",
        "name": "Red flag",
        "meta": _meta("total", "red_flag"),
    }


def _panel_traces(data: dict, panel: str, *, first: bool, index: dict[str, int]) -> list[dict]:
    """Everything one panel draws, bottom layer first. A new row of the chart adds its own function like this."""
    traces = [*_baseline_traces(data, panel, show_legend=first), *_series_traces(data, panel, show_legend=first)]
    alert = _alert_trace(data, panel, show_legend=first, index=index)
    if alert is not None:
        traces.append(alert)
    return traces


# A row that draws something other than scores (its own traces for the same
# data dict) registers its builder here; every other panel draws _panel_traces.
PANEL_TRACES: dict[str, Callable[..., list[dict]]] = {}


@functools.cache
def _template() -> dict:
    """Plotly's default template as plain data, computed once per process.

    plotly.py writes its default template ("plotly") into every figure's
    layout; the plain figure carries the same one so the browser draws the
    same colours, fonts and axis styles.
    """
    import plotly.io as pio

    return pio.templates[pio.templates.default].to_plotly_json()


@functools.cache
def _grid(rows: int) -> dict:
    """The stacked panels' axes and titles, as plotly's make_subplots lays them out.

    The layout depends only on the number of rows, so it is computed once per
    process (with make_subplots, which is slow but exact) and copied per figure.
    """
    from plotly.subplots import make_subplots

    grid = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[0.32] + [0.17] * (rows - 1),
        subplot_titles=[PANEL_TITLES[p] for p in PANELS[:rows]],
    ).to_plotly_json()["layout"]
    grid.pop("template", None)
    return grid


def _axis_suffix(row: int) -> str:
    return "" if row == 1 else str(row)


def clinician_figure_data(data: dict, *, height: int = 860) -> dict:
    """One panel for the total and one per domain, sharing the date axis, as plain data.

    The dict plotly.js takes ({"data": [...], "layout": {...}}), built without
    plotly.graph_objects: validating a year of points through it cost about
    40 ms a page, and tests/tracker/test_chart_plain_data.py checks that this
    is exactly the figure it used to build.
    """
    layout = copy.deepcopy(_grid(len(PANELS)))
    index = {day: i for i, day in enumerate(data["dates"])}
    traces: list[dict] = []
    view_start = data.get("view_start", data["start"])
    tick_values, tick_text = date_ticks(view_start, data["end"])
    x_range = [_day_edges(view_start)[0], _day_edges(data["end"])[1]]
    for row, panel in enumerate(PANELS, start=1):
        suffix = _axis_suffix(row)
        build = PANEL_TRACES.get(panel, _panel_traces)
        for trace in build(data, panel, first=row == 1, index=index):
            trace["xaxis"], trace["yaxis"] = f"x{suffix}", f"y{suffix}"
            traces.append(trace)
        top = PANEL_MAX[panel]
        layout[f"yaxis{suffix}"].update(
            range=[-0.5, top * (1 + ALERT_LIFT) + 0.3],
            fixedrange=True,
            showgrid=True,
            gridcolor="#e6eaee",
            zeroline=False,
        )
        # Fixed ranges and no drag mode: a finger on a phone scrolls the page instead of
        # zooming the chart, and the range buttons above stay the only way to change the view.
        layout[f"xaxis{suffix}"].update(
            range=list(x_range),
            type="date",
            fixedrange=True,
            tickmode="array",
            tickvals=list(tick_values),
            ticktext=list(tick_text),
            showgrid=True,
            gridcolor="#e6eaee",
        )
    red = _red_flag_trace(data)
    if red is not None:
        red["xaxis"], red["yaxis"] = "x", "y"
        traces.append(red)
    shapes, annotations = _day_marks(data)
    if shapes:
        layout["shapes"] = shapes
    layout["annotations"] = layout.get("annotations", []) + annotations
    layout.update(
        template=_template(),
        height=height,
        dragmode=False,
        # The right margin holds half of the last date's label (the period's end), which plotly hides when it overflows.
        margin={"l": 40, "r": 24, "t": 100 if data["events"] else 50, "b": 110},
        # Pinned to the bottom of the figure: a paper-relative legend keeps its phone position after a resize.
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "font": {"size": 11}},
        hovermode="closest",
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        font={"family": "system-ui, sans-serif", "size": 12},
        meta={"start": data["start"], "end": data["end"]},
    )
    return {"data": traces, "layout": layout}


def clinician_figure(data: dict, *, height: int = 860):
    """The same figure as a plotly.graph_objects.Figure (validated), for tests and notebooks.

    The pages use clinician_figure_data: this wrapper costs the validation the plain data avoids.
    """
    import plotly.graph_objects as go

    return go.Figure(clinician_figure_data(data, height=height))


def _short_day(day: date, *, with_year: bool) -> str:
    return f"{day.day} {day:%b %Y}" if with_year else f"{day.day} {day:%b}"


def date_ticks(start: str, end: str, count: int = 5) -> tuple[list[str], list[str]]:
    """About `count` evenly spaced date ticks whose last one is the period's end.

    Plotly's automatic ticks stop at a round date before the end, so a reader
    (and a printed report) could not tell where the period stops. The year is
    written on the first tick and wherever it changes.
    """
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    span = (last - first).days
    if span < count:
        days = [first + timedelta(days=i) for i in range(span + 1)]
    else:
        step = span / (count - 1)
        days = sorted({last - timedelta(days=round(i * step)) for i in range(count)})
    texts = [_short_day(d, with_year=i == 0 or d.year != days[i - 1].year) for i, d in enumerate(days)]
    return [d.isoformat() for d in days], texts


def chart_summary(data: dict) -> str:
    """The chart in words, for a screen reader and anyone who reads rather than looks.

    Names the period, where the total's smoothed level started and ended, its
    lowest point, the baseline, and counts of alerts, red-flag days and events,
    so a clinician who cannot see the drawing learns what it shows.
    """
    start = date.fromisoformat(data.get("view_start", data["start"]))
    end = date.fromisoformat(data["end"])
    period = f"{_short_day(start, with_year=True)} to {_short_day(end, with_year=True)}"
    dates = data["dates"]
    if not dates:
        return f"No check-ins from {period}."
    # Dates are sorted ISO strings: the days shown are those from the first on or after the start.
    first_shown = bisect.bisect_left(dates, start.isoformat())
    shown = list(zip(dates[first_shown:], data["smoothed"]["total"][first_shown:], strict=True))
    if not shown:
        return f"No check-ins from {period}."
    words = [f"From {period}, {len(shown)} check-ins."]
    (first_day, first), (last_day, last) = shown[0], shown[-1]
    words.append(
        f"Total (median of {data['smooth_window']} check-ins) {first:g} of {TOTAL_MAX} on "
        f"{_short_day(date.fromisoformat(first_day), with_year=False)}, "
        f"{last:g} on {_short_day(date.fromisoformat(last_day), with_year=False)}."
    )
    low_day, low = min(shown, key=lambda pair: pair[1])
    if low < min(first, last):
        words.append(f"Lowest {low:g} on {_short_day(date.fromisoformat(low_day), with_year=False)}.")
    if data["baselines"]:
        words.append(f"Baseline {data['baselines'][-1]['total']:g}.")
    for key in DOMAIN_KEYS:
        values = data["smoothed"][key][first_shown:]
        words.append(f"{DOMAIN_BY_KEY[key].label} {values[0]:g} to {values[-1]:g} of {PANEL_MAX[key]}.")
    counts = (
        (len(data["alerts"]), "alert"),
        (len(data["red_flag_days"]), "red-flag day"),
        (len(data["events"]), "event"),
    )
    words.append(", ".join(f"{n} {what}{'' if n == 1 else 's'}" for n, what in counts) + ".")
    return " ".join(words)


def _day_marks(data: dict) -> tuple[list[dict], list[dict]]:
    """Events as vertical lines through every panel; red-flag days as a red column. (shapes, annotations)"""
    shapes, annotations = [], []
    for i, e in enumerate(data["events"]):
        colour = EVENT_COLOURS.get(e["kind"], "#555f6b")
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": e["date"],
                "x1": e["date"],
                "y0": 0,
                "y1": 1,
                "line": {"color": colour, "width": 2, "dash": "dot"},
                "name": f"event:{e['kind']}",
            }
        )
        annotations.append(
            {
                "x": e["date"],
                "xref": "x",
                # Staggered so that labels of events a few days apart do not overlap.
                "y": 1.03 + 0.022 * (i % 3),
                "yref": "paper",
                "yanchor": "bottom",
                "text": e["label"],
                "showarrow": False,
                "font": {"color": colour, "size": 11},
                "hovertext": e["note"] or e["label"],
                "name": f"event:{e['kind']}",
            }
        )
    for d in data["red_flag_days"]:
        x0, x1 = _day_edges(d["date"])
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": x0,
                "x1": x1,
                "y0": 0,
                "y1": 1,
                "fillcolor": "rgba(176, 0, 32, 0.15)",
                "line": {"width": 0},
                "layer": "below",
                "name": "red_flag_day",
            }
        )
    return shapes, annotations


def figure_json(fig) -> str:
    """The figure (plain data or a plotly Figure) as JSON safe to place inside a <script type="application/json">."""
    if not isinstance(fig, dict):
        fig = fig.to_plotly_json()
    text = json.dumps(fig, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def recent_level(values: list[float], window: int = 7) -> float | None:
    """The patient's current level: the median of their last `window` check-ins."""
    if not values:
        return None
    return float(statistics.median(values[-window:]))


def progress_summary(
    *, latest: float | None, baseline: float | None, team_told: bool = False, mcid: float = MCID_TOTAL
) -> dict:
    """Plain words for a patient comparing their recent level with their baseline.

    Steps follow the mJOA's minimal clinically important difference (2
    points); less than a point either way is "about the same".
    """
    if latest is None or baseline is None:
        return {
            "level": "unknown",
            "text": "Your chart fills in as you check in. After your first week or two we can compare.",
        }
    change = latest - baseline
    if change >= mcid:
        return {"level": "better", "text": "Better than when you started."}
    if change >= 1:
        return {"level": "better", "text": "A little better than when you started."}
    if change > -1:
        return {"level": "same", "text": "About the same as when you started."}
    if change > -mcid:
        return {"level": "lower", "text": "A little lower than when you started."}
    if team_told:
        return {"level": "lower", "text": "Lower than when you started. Your care team has been told."}
    return {
        "level": "lower",
        "text": "Lower than when you started. Your care team can see this too. If you are worried, call the clinic.",
    }

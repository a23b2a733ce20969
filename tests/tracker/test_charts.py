"""Figure data, not pixels: what each panel draws and where."""

import json

import pytest

from tracker.charts import (
    MCID,
    PANELS,
    clinician_figure,
    figure_json,
    progress_summary,
    recent_level,
)
from tracker.patient_chart import patient_trend


def series_data(**overrides):
    dates = ["2026-03-01", "2026-03-02", "2026-03-04", "2026-03-05"]
    data = {
        "patient": 1,
        "start": "2026-03-01",
        "end": "2026-03-10",
        "dates": dates,
        "series": {
            "total": [15, 15, 13, 12],
            "fine_motor": [4, 4, 4, 3],
            "gait": [6, 6, 4, 4],
            "sensation": [2, 2, 2, 2],
            "bladder": [3, 3, 3, 3],
        },
        "smoothed": {
            "total": [15.0, 15.0, 15.0, 14.0],
            "fine_motor": [4.0, 4.0, 4.0, 4.0],
            "gait": [6.0, 6.0, 6.0, 5.0],
            "sensation": [2.0] * 4,
            "bladder": [3.0] * 4,
        },
        "smooth_window": 7,
        "baselines": [
            {
                "from": "2026-03-01",
                "to": "2026-03-03",
                "effective_from": "2026-02-10",
                "method": "automatic",
                "reason": "",
                "total": 15.0,
                "fine_motor": 4.0,
                "gait": 6.0,
                "sensation": 2.0,
                "bladder": 3.0,
            },
            {
                "from": "2026-03-04",
                "to": "2026-03-10",
                "effective_from": "2026-03-04",
                "method": "rebaseline",
                "reason": "after surgery",
                "total": 14.0,
                "fine_motor": 4.0,
                "gait": 5.0,
                "sensation": 2.0,
                "bladder": 3.0,
            },
        ],
        "alerts": [
            {
                "id": 7,
                "date": "2026-03-05",
                "rule": "domain_decline",
                "severity": "high",
                "status": "open",
                "outcome": "",
                "evidence": "Walking 4 vs baseline 6 (-2) over the last 5 check-ins",
                "domains": ["gait"],
            }
        ],
        "events": [
            {"date": "2026-03-03", "kind": "surgery", "label": "Surgery", "note": "C5-6"},
            {"date": "2026-03-08", "kind": "visit", "label": "Follow-up visit", "note": ""},
        ],
        "red_flag_days": [{"date": "2026-03-04", "flags": ["rf_fall_injury"], "total": 13}],
        "notes": [],
    }
    data.update(overrides)
    return data


def traces(fig, panel=None, kind=None):
    return [
        t for t in fig.data if (panel is None or t.meta["panel"] == panel) and (kind is None or t.meta["kind"] == kind)
    ]


def test_the_clinician_chart_has_one_panel_per_domain_and_one_for_the_total_on_a_shared_date_axis():
    fig = clinician_figure(series_data())
    axes = {p: traces(fig, p, "daily")[0].xaxis for p in PANELS}
    assert axes == {"total": "x", "fine_motor": "x2", "gait": "x3", "sensation": "x4", "bladder": "x5"}
    for n in range(1, 5):
        assert fig.layout[f"xaxis{n}"].matches == "x5"  # one date axis: zooming one zooms all
    titles = [a.text for a in fig.layout.annotations if not (a.name or "").startswith("event:")]
    assert titles == ["Total (mJOA, 0-18)", "Hands (0-5)", "Walking (0-7)", "Feeling in hands (0-3)", "Bladder (0-3)"]


def test_each_panel_draws_the_daily_points_and_the_smoothed_line():
    data = series_data()
    fig = clinician_figure(data)
    for panel in PANELS:
        (daily,) = traces(fig, panel, "daily")
        (smooth,) = traces(fig, panel, "smoothed")
        assert list(daily.x) == data["dates"]
        assert list(daily.y) == data["series"][panel]
        assert daily.mode == "markers" and smooth.mode == "lines"
        assert list(smooth.y) == data["smoothed"][panel]


def test_the_baseline_line_follows_the_baseline_history():
    fig = clinician_figure(series_data())
    (line,) = traces(fig, "total", "baseline")
    assert list(line.x) == ["2026-03-01", "2026-03-03", None, "2026-03-04", "2026-03-10", None]
    assert list(line.y) == [15.0, 15.0, None, 14.0, 14.0, None]
    (gait,) = traces(fig, "gait", "baseline")
    assert [y for y in gait.y if y is not None] == [6.0, 6.0, 5.0, 5.0]


@pytest.mark.parametrize(
    ("panel", "mcid"), [("total", 2), ("fine_motor", 2), ("gait", 2), ("sensation", 1), ("bladder", 1)]
)
def test_the_band_spans_plus_and_minus_the_mcid_around_the_baseline(panel, mcid):
    data = series_data()
    fig = clinician_figure(data)
    (band,) = traces(fig, panel, "band")
    assert band.fill == "toself"
    base = data["baselines"][0][panel]
    first_polygon = list(band.y[:5])
    assert min(first_polygon) == base - mcid and max(first_polygon) == base + mcid
    assert MCID[panel] == mcid


def test_alert_markers_carry_their_evidence_on_hover_in_the_total_and_their_domain_panels():
    fig = clinician_figure(series_data())
    (total_alert,) = traces(fig, "total", "alert")
    (gait_alert,) = traces(fig, "gait", "alert")
    assert traces(fig, "fine_motor", "alert") == []
    # Just above the day's value (12 and 4), by 7% of the panel's scale.
    assert list(total_alert.x) == ["2026-03-05"] and list(total_alert.y) == [13.26]
    assert list(gait_alert.y) == [4.49]
    assert "Walking 4 vs baseline 6 (-2)" in total_alert.hovertext[0]
    assert "High alert: domain decline" in gait_alert.hovertext[0]


def test_an_alert_on_a_day_without_a_check_in_sits_on_the_axis():
    alert = {**series_data()["alerts"][0], "date": "2026-03-09", "domains": [], "rule": "missed_checkins"}
    fig = clinician_figure(series_data(alerts=[alert]))
    (marker,) = traces(fig, "total", "alert")
    assert list(marker.y) == [1.26]


def test_events_are_vertical_lines_through_all_panels():
    fig = clinician_figure(series_data())
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [(s.x0, s.yref, s.y0, s.y1, s.name) for s in lines] == [
        ("2026-03-03", "paper", 0, 1, "event:surgery"),
        ("2026-03-08", "paper", 0, 1, "event:visit"),
    ]
    labels = [a.text for a in fig.layout.annotations if (a.name or "").startswith("event:")]
    assert labels == ["Surgery", "Follow-up visit"]


def test_red_flag_days_are_marked_with_a_marker_and_a_column():
    fig = clinician_figure(series_data())
    (marker,) = traces(fig, "total", "red_flag")
    assert list(marker.x) == ["2026-03-04"] and list(marker.y) == [13]
    assert "fall or neck injury" in marker.hovertext[0]
    (column,) = [s for s in fig.layout.shapes if s.name == "red_flag_day"]
    assert column.x0 < "2026-03-04" < column.x1


def test_the_chart_shows_the_requested_range_even_without_check_ins():
    fig = clinician_figure(series_data(dates=[], series={p: [] for p in PANELS}, smoothed={p: [] for p in PANELS}))
    assert fig.layout.xaxis5.range[0].startswith("2026-02-28")
    assert fig.layout.xaxis5.range[1].startswith("2026-03-10")


def test_the_figure_json_cannot_close_its_script_element():
    alert = {**series_data()["alerts"][0], "evidence": "</script><script>alert(1)</script>"}
    text = figure_json(clinician_figure(series_data(alerts=[alert])))
    assert "</script>" not in text and "<" not in text
    assert "</script><script>" in json.dumps(json.loads(text))


def test_the_patient_chart_is_their_total_and_baselines_drawn_without_plotly():
    trend = patient_trend(series_data())
    assert len(trend["dots"]) == 4 and len(trend["baselines"]) == 2  # one segment per baseline in force
    assert trend["line"].count(",") == 4
    # Days without a check-in (3 and 6-10 March) leave room: x follows the calendar, not the row number.
    xs = [d["x"] for d in trend["dots"]]
    assert xs[2] - xs[1] > 1.5 * (xs[1] - xs[0])
    assert trend["summary"] == "Your total went from 15 to 14 of 18 over 5 days."


@pytest.mark.parametrize(
    ("latest", "baseline", "told", "level", "words"),
    [
        (15, 15, False, "same", "About the same as when you started."),
        (15.5, 15, False, "same", "About the same"),
        (14, 15, False, "lower", "A little lower than when you started."),
        (13, 15, True, "lower", "Your care team has been told."),
        (13, 15, False, "lower", "Your care team can see this too."),
        (16, 15, False, "better", "A little better"),
        (17, 15, False, "better", "Better than when you started."),
        (None, 15, False, "unknown", "fills in as you check in"),
        (15, None, False, "unknown", "fills in as you check in"),
    ],
)
def test_the_patient_summary_is_in_plain_words(latest, baseline, told, level, words):
    summary = progress_summary(latest=latest, baseline=baseline, team_told=told)
    assert summary["level"] == level
    assert words in summary["text"]


def test_the_recent_level_is_the_median_of_the_last_seven_check_ins():
    assert recent_level([18, 18, 18, 10, 10, 10, 10, 12, 18, 18]) == 10.0
    assert recent_level([1, 15, 15, 15, 9, 15, 15, 15]) == 15.0
    assert recent_level([]) is None

"""The clinician figure is built as plain data and draws exactly what the plotly.graph_objects figure drew."""

import json
from datetime import date, timedelta

import pytest

from tests.tracker.plotly_reference import reference_figure
from tests.tracker.test_charts import series_data
from tracker.charts import PANELS, clinician_figure, clinician_figure_data, figure_json


def as_json(fig: dict) -> dict:
    return json.loads(figure_json(fig))


def a_year(events: int = 3) -> dict:
    """A year of daily check-ins with a decline, alerts on check-in days and off them, events and red flags."""
    first = date(2025, 12, 3)
    dates = [(first + timedelta(days=i)).isoformat() for i in range(365) if i % 9 != 4]
    series = {
        "fine_motor": [4 - (i > 200) for i in range(len(dates))],
        "gait": [6 - (i > 250) - (i % 5 == 0) for i in range(len(dates))],
        "sensation": [2] * len(dates),
        "bladder": [3 - (i % 11 == 0) for i in range(len(dates))],
    }
    series["total"] = [sum(v) for v in zip(*series.values(), strict=True)]
    data = series_data(
        start=dates[0],
        view_start=dates[0],
        end=(first + timedelta(days=364)).isoformat(),
        dates=dates,
        series=series,
        smoothed={k: [float(v) for v in values] for k, values in series.items()},
        alerts=[
            {**series_data()["alerts"][0], "id": 1, "date": dates[230], "domains": ["gait", "fine_motor"]},
            {
                **series_data()["alerts"][0],
                "id": 2,
                "date": (first + timedelta(days=4)).isoformat(),  # a day without a check-in
                "rule": "missed_checkins",
                "severity": "low",
                "status": "resolved",
                "outcome": "recovered",
                "domains": [],
            },
        ],
        events=[
            {"date": dates[10 * i], "kind": kind, "label": kind.title(), "note": ""}
            for i, kind in enumerate(["surgery", "visit", "physiotherapy_start", "other"][:events])
        ],
        red_flag_days=[{"date": dates[40], "flags": ["rf_fall_injury", "rf_breathing"], "total": 14}],
        mcid={"total": 2, "fine_motor": 1, "gait": 2, "sensation": 1, "bladder": 1},
    )
    data["baselines"][0]["from"] = dates[0]
    return data


@pytest.mark.parametrize(
    "data",
    [
        series_data(),
        a_year(),
        a_year(events=0),
        series_data(alerts=[], events=[], red_flag_days=[], baselines=[]),
        series_data(dates=[], series={p: [] for p in PANELS}, smoothed={p: [] for p in PANELS}),
    ],
    ids=["sample", "a-year", "a-year-no-events", "nothing-marked", "no-check-ins"],
)
def test_the_plain_figure_is_the_figure_plotly_graph_objects_built(data):
    assert as_json(clinician_figure_data(data)) == json.loads(reference_figure(data).to_json())


def test_the_plain_figure_is_valid_plotly():
    # go.Figure validates every property: a misspelt key or a bad value raises here.
    fig = clinician_figure(a_year())
    assert len(fig.data) == len(clinician_figure_data(a_year())["data"])


def test_building_one_figure_does_not_change_the_next():
    first = clinician_figure_data(a_year())
    first["layout"]["xaxis"]["range"][0] = "changed"
    first["layout"]["annotations"].append({"text": "changed"})
    again = clinician_figure_data(a_year())
    assert again["layout"]["xaxis"]["range"][0] != "changed"
    assert "changed" not in [a.get("text") for a in again["layout"]["annotations"]]

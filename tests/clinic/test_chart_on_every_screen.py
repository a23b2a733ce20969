"""The clinician chart on any screen, through HTTP and on the figure itself.

The axes are fixed and there is no drag mode (a finger scrolls the page), the
date axis ends on the period's last day, a text summary is linked from the
chart, and every check-in cell names its column for the phone's cards.
"""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from tests.clinic.test_patient_chart import charted, detail, figure_of  # noqa: F401  (charted is a fixture)
from tests.tracker.test_charts import series_data
from tracker.charts import chart_summary, clinician_figure, date_ticks


def test_no_axis_of_the_clinician_chart_can_be_dragged_or_zoomed():
    fig = clinician_figure(series_data()).to_plotly_json()
    layout = fig["layout"]
    axes = [key for key in layout if re.fullmatch(r"[xy]axis\d*", key)]
    assert len(axes) == 10
    assert all(layout[key]["fixedrange"] is True for key in axes)
    assert layout["dragmode"] is False


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [
        ("2026-09-03", "2026-12-02", "3 Sep 2026", "2 Dec"),
        ("2025-12-02", "2026-12-02", "2 Dec 2025", "2 Dec"),
        ("2026-11-30", "2026-12-02", "30 Nov 2026", "2 Dec"),
    ],
)
def test_the_date_axis_ends_on_the_last_day_of_the_period(start, end, first, last):
    values, texts = date_ticks(start, end)
    assert values[-1] == end and texts[-1] == last
    assert texts[0] == first
    assert values == sorted(values) and len(values) <= 5
    # The year is written where it changes, so a year-long axis is never ambiguous.
    years = [v[:4] for v in values]
    assert all(
        t.endswith(v[:4]) for i, (t, v) in enumerate(zip(texts, values, strict=True)) if i and years[i] != years[i - 1]
    )


def test_the_figure_carries_those_date_ticks():
    data = series_data()
    layout = clinician_figure(data).to_plotly_json()["layout"]
    assert layout["xaxis5"]["tickvals"][-1] == data["end"]


def test_the_summary_names_the_period_the_levels_and_the_counts():
    data = series_data()
    words = chart_summary(data)
    start = date.fromisoformat(data.get("view_start", data["start"]))
    assert f"{start.day} {start:%b %Y}" in words
    assert f"{len(data['dates'])} check-ins" in words
    assert "of 18" in words and "Walking" in words
    assert f"{len(data['alerts'])} alert" in words


def test_the_summary_of_an_empty_period_says_so():
    data = series_data()
    data = {**data, "dates": [], "series": {k: [] for k in data["series"]}}
    assert chart_summary(data).startswith("No check-ins from")


def test_the_chart_page_links_the_chart_to_its_summary_and_labels_every_check_in_cell(clinician_client, charted):  # noqa: F811
    html = detail(clinician_client, charted, range="90d").content.decode()
    assert 'aria-describedby="clinician-chart-summary"' in html
    summary = re.search(r'<p class="visually-hidden" id="clinician-chart-summary">(.*?)</p>', html, re.S).group(1)
    start = charted.local_today() - timedelta(days=89)
    assert f"{start.day} {start:%b %Y}" in summary and "check-ins" in summary
    row = re.search(r"<tbody>\s*<tr[^>]*>(.*?)</tr>", html, re.S).group(1)
    labels = re.findall(r'data-label="([^"]+)"', row)
    assert labels == ["Day", "Total", "Hands", "Walk", "Feel", "Bladder", "Note", "Entered by"]
    assert 'tabindex="0" role="region" aria-label="Recent check-ins"' in html
    assert figure_of(html, "clinician-chart")["layout"]["dragmode"] is False


def test_the_report_chart_is_marked_for_its_print_picture(clinician_client, charted):  # noqa: F811
    start = charted.local_today() - timedelta(days=60)
    url = reverse("patient_report", args=[charted.pk])
    html = clinician_client.get(url, {"start": start.isoformat()}).content.decode()
    assert re.search(r'id="report-chart"[^>]* data-print', html)
    assert 'aria-describedby="report-chart-summary"' in html

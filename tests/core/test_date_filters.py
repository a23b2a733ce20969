"""One date format on every screen: |day, |day_short, |day_time; scales as "6 of 7"."""

from datetime import UTC, date, datetime

import pytest
from django.template import engines
from django.utils import timezone

from core.templatetags.dates import day, day_short, day_time
from tracker.templatetags.charts import out_of


def render(source, **context):
    return engines["django"].from_string(source).render(context)


def test_a_date_reads_day_month_year():
    assert day(date(1953, 1, 5)) == "5 Jan 1953"
    assert day_short(date(2026, 11, 2)) == "2 Nov"


def test_a_datetime_is_shown_in_the_active_time_zone():
    moment = datetime(2026, 11, 2, 14, 5, tzinfo=UTC)
    with timezone.override("Asia/Tokyo"):
        assert day_time(moment) == "2 Nov 2026, 23:05"
        assert day(datetime(2026, 11, 2, 20, 0, tzinfo=UTC)) == "3 Nov 2026"


def test_a_missing_or_bad_value_renders_empty_not_an_error():
    assert day(None) == "" and day_time("") == "" and day_short("2026-11-02") == ""


def test_the_filters_work_in_any_template_without_a_load():
    assert render("{{ d|day }} · {{ d|day_time }}", d=date(2026, 11, 2)) == "2 Nov 2026 · 2 Nov 2026"


@pytest.mark.parametrize(
    "score, key, shown",
    [(6, "gait", "6 of 7"), (4.5, "fine_motor", "4.5 of 5"), (0, "bladder", "0 of 3"), (15, "total", "15 of 18")],
)
def test_a_score_is_shown_with_its_scale(score, key, shown):
    assert out_of(score, key) == shown


def test_a_missing_score_stays_empty():
    assert out_of(None, "gait") == ""

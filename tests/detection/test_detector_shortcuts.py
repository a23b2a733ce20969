"""The detector's shortcuts for speed answer exactly as the long way round would."""

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Baselines and thresholds as the rules see them: medians of whole points
# (halves, quarters, eighths, thirds), thresholds whole or half points.
BASES = st.sampled_from([4.0, 6.5, 12.0, 13.625, 14.0, 14.25, 14.333333333333334, 15.5, 16.875, 18.0])
DROPS = st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])


# R (the module both ways) holds no state a run could leave behind.
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 18), min_size=1, max_size=30), st.data(), BASES, DROPS)
def test_a_window_said_not_down_has_a_median_that_is_not_down(R, values, data, base, drop):
    n = data.draw(st.integers(1, len(values)))
    if R._median_not_down(values, n, base, drop):
        assert base - R.median(values[-n:]) < drop


def test_the_window_test_answers_for_most_windows_that_are_not_down(R):
    # Not a test that says False every time: the windows of a patient a
    # point below a 14.5 baseline on most days are answered without a median.
    windows = [[14, 13, 15, 12, 14, 13, 14], [13, 14, 14, 12, 15, 14, 13, 14, 15]]
    assert all(R._median_not_down(w, len(w), 14.5, 2.0) for w in windows)
    assert not R._median_not_down([12, 12, 13, 12, 11, 15, 12], 7, 14.5, 2.0)


def test_a_packed_day_has_the_date_of_its_number_of_days_since_1970(R):
    for days in (-800, -1, 0, 1, 20_000, R._DATE_TABLE_DAYS - 1, R._DATE_TABLE_DAYS, 80_000):
        expected = datetime.date(1970, 1, 1) + datetime.timedelta(days=days)
        assert R._date_of_day(days) == expected
        assert R._date_of_day(days) is R._date_of_day(days) or not 0 <= days < R._DATE_TABLE_DAYS

"""The one date format of the screens: "2 Nov 2026" and "2 Nov 2026, 14:05".

Clinicians read dates across the dashboard, the chart, the report and the
inbox; three spellings ("Jan. 5, 1953", "2025-12-28", "2 Nov 2026") made them
stop and parse. CSV and the API stay ISO (machines read those). Datetimes are
shown in the active time zone, as Django's own |date filter does. No queries.
"""

from datetime import date, datetime

from django import template
from django.utils import dateformat, timezone

register = template.Library()

DAY = "j M Y"
DAY_SHORT = "j M"
TIME = "H:i"


def _local(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _format(value, pattern: str) -> str:
    # Bad or missing values render as "" rather than raising: a template
    # never turns a missing date into a 500.
    if not isinstance(value, date):
        return ""
    return dateformat.format(_local(value), pattern)


@register.filter
def day(value) -> str:
    """2 Nov 2026"""
    return _format(value, DAY)


@register.filter
def day_short(value) -> str:
    """2 Nov (for "as of 2 Nov" beside a date that already gives the year)."""
    return _format(value, DAY_SHORT)


@register.filter
def day_time(value) -> str:
    """2 Nov 2026, 14:05 (local time)"""
    if not isinstance(value, datetime):
        return _format(value, DAY)
    return _format(value, f"{DAY}, {TIME}")

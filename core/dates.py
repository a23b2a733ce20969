"""Dates the API accepts: ISO YYYY-MM-DD in ASCII digits, nothing else.

Python's date.fromisoformat also takes ISO week dates (2026-W01-1) and,
through int(), digits of other scripts; a phone app or an EHR sends neither,
and accepting them makes the same day spell several ways.
"""

import re
from datetime import date

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_iso_date(raw: str) -> date:
    """The date, or ValueError for anything but YYYY-MM-DD with ASCII digits."""
    if not isinstance(raw, str) or not ISO_DATE.fullmatch(raw):
        raise ValueError("Use a date in the form YYYY-MM-DD.")
    return date.fromisoformat(raw)

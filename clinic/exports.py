"""Check-ins as CSV for researchers and clinic spreadsheets. Plain data in, text out.

One row per check-in, oldest first, one column per answer. Booleans are 1/0,
empty answers are empty cells, numbness locations are joined with ";".
Any text cell that a spreadsheet would run as a formula (starting with
= + - @, a tab or a carriage return) is prefixed with a single quote. The
API export and the visit report's CSV are this one writer.
"""

import csv
import io
from collections.abc import Iterable

from detection.scales import DOMAIN_KEYS, RED_FLAG_KEYS, severity_of_total

CSV_COLUMNS = (
    "patient_id",
    "date",
    *DOMAIN_KEYS,
    "total",
    "severity",
    "red_flag",
    *RED_FLAG_KEYS,
    "numbness",
    "numbness_locations",
    "neck_pain",
    "note",
    "entered_by",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        return _safe_text(value)
    return value


def checkin_row(checkin) -> list:
    values = {
        "patient_id": checkin.patient_id,
        "date": checkin.date.isoformat(),
        "total": checkin.total,
        "severity": severity_of_total(checkin.total),
        "red_flag": checkin.red_flag,
        "numbness_locations": ";".join(checkin.numbness_locations or []),
        "note": checkin.note or "",
        "entered_by": checkin.entered_by_description,
    }
    for key in (*DOMAIN_KEYS, *RED_FLAG_KEYS, "numbness", "neck_pain"):
        values[key] = getattr(checkin, key)
    return [_cell(values[column]) for column in CSV_COLUMNS]


def checkins_csv(checkins: Iterable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for checkin in checkins:
        writer.writerow(checkin_row(checkin))
    return out.getvalue()


def csv_filename(patient) -> str:
    return f"myelotrack-patient-{patient.pk}-checkins.csv"

"""The replay's fastest reader: check-in rows scanned byte by byte into packed check-ins.

``packed_checkins(rows, maxima)`` reads the rows of a check-ins CSV (the
text after the header line, UTF-8 encoded) and returns each patient's
check-ins packed as ``detection.rules.pack_day`` packs them, for
``PatientDetector.feed_packed``, patients in the order they first appear.

It accepts only the common case, exactly: every row
``patient_id,YYYY-MM-DD,f,g,s,b,r`` with one digit per score, each within
its domain's maximum, r 0 or 1, each patient's dates ascending. On anything
else (a blank line, a space, an extra column, a two-digit score, a date
that is not a real day, a date out of order) it returns None and the
caller reads the text with detection/replay.py's readers, which validate
it field by field and name the first bad line. So it never has to produce
an error, only to give, for the files it accepts, what those readers give.

Why it exists: tools/compile_detector.py compiles it with mypyc, and then
``rows[i]`` is a load of one byte and every number here a C integer (i64).
A year of 1,000 patients (267,000 rows) is read without a string, tuple or
list per row: each patient's id once and one integer per check-in. The
split-based reader makes a list and three strings per row and looks up two
dicts (docs/detection.md, "Replay speed", has the instruction counts).
Interpreted, a loop over bytes is far slower than str.split, so replay.py
calls this only where it is compiled; the pure-Python replay keeps the
split-based reader. tests/detection/test_csv_scan.py holds both to the
same results.
"""

from __future__ import annotations

from typing import Final

try:
    from mypy_extensions import i64
except ImportError:  # pragma: no cover - without mypy installed this module is interpreted, where i64 is int
    i64 = int  # type: ignore[misc,assignment]

# pack_day's layout (detection/rules.py): the days since 1970-01-01, then 4
# bits per score and 1 for the red flag. Written out rather than imported
# from rules, so that this module builds on its own.
_EPOCH_ORDINAL: Final = 719163  # datetime.date(1970, 1, 1).toordinal()

# Days before each month in a common year, and each month's length.
_DAYS_BEFORE_MONTH: Final = (0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# The bytes a row is made of.
_COMMA: Final = 44
_NEWLINE: Final = 10
_DASH: Final = 45
_ZERO: Final = 48
_NINE: Final = 57


def packed_checkins(rows: bytes, maxima: tuple[int, int, int, int]) -> dict[str, list[int]] | None:
    """Each patient's packed check-ins, in file order; None where the rows are not all of the common form.

    ``rows`` is every line after the header, as UTF-8; ``maxima`` the four
    domains' maximum scores (fine motor, gait, sensation, bladder).
    """
    # Every number is an i64 (compiled: a C integer, where mypyc's default
    # int checks on every operation whether it still fits in one).
    fm_max: i64 = maxima[0]
    g_max: i64 = maxima[1]
    s_max: i64 = maxima[2]
    b_max: i64 = maxima[3]
    end: i64 = len(rows)
    by_patient: dict[str, list[int]] = {}
    codes: list[int] = []
    # Where the current patient's id is written, in the row before.
    pid_at: i64 = -1
    pid_len: i64 = 0
    last_ordinal: i64 = 0
    # The month of the last date read (year * 16 + month), the ordinal of
    # the day before its first and its length: a patient's check-ins mostly
    # come a day apart, so most rows need no calendar arithmetic.
    month_key: i64 = -1
    month_base: i64 = 0
    month_days: i64 = 0
    i: i64 = 0
    while i < end:
        # patient_id: everything up to the first comma, compared as it is
        # read with the id of the row before.
        j: i64 = i
        same = pid_at >= 0
        while True:
            if j >= end:
                return None  # a last line without a comma
            c: i64 = rows[j]
            if c == _COMMA:
                break
            if c == _NEWLINE:
                return None  # a blank line, or a row of one field
            if same and (j - i >= pid_len or rows[pid_at + j - i] != c):
                same = False
            j += 1
        if j == i:
            return None  # an empty patient_id
        if j - i != pid_len:
            same = False
        # The date and the five answers: exactly 20 bytes from here, then
        # the end of the line (a newline, or the end of the file).
        d: i64 = j + 1
        stop: i64 = d + 20
        if stop > end or (stop < end and rows[stop] != _NEWLINE):
            return None  # a short row, an extra column or a wider field
        y0: i64 = rows[d]
        y1: i64 = rows[d + 1]
        y2: i64 = rows[d + 2]
        y3: i64 = rows[d + 3]
        m0: i64 = rows[d + 5]
        m1: i64 = rows[d + 6]
        d0: i64 = rows[d + 8]
        d1: i64 = rows[d + 9]
        if not (
            _ZERO <= y0 <= _NINE
            and _ZERO <= y1 <= _NINE
            and _ZERO <= y2 <= _NINE
            and _ZERO <= y3 <= _NINE
            and rows[d + 4] == _DASH
            and _ZERO <= m0 <= _NINE
            and _ZERO <= m1 <= _NINE
            and rows[d + 7] == _DASH
            and _ZERO <= d0 <= _NINE
            and _ZERO <= d1 <= _NINE
            and rows[d + 10] == _COMMA
        ):
            return None
        year: i64 = (y0 - _ZERO) * 1000 + (y1 - _ZERO) * 100 + (y2 - _ZERO) * 10 + (y3 - _ZERO)
        month: i64 = (m0 - _ZERO) * 10 + (m1 - _ZERO)
        day: i64 = (d0 - _ZERO) * 10 + (d1 - _ZERO)
        if year * 16 + month != month_key:
            if year < 1 or month < 1 or month > 12:
                return None  # not a date: the readers give the error
            y: i64 = year - 1
            month_base = y * 365 + y // 4 - y // 100 + y // 400 + _DAYS_BEFORE_MONTH[month]
            month_days = _DAYS_IN_MONTH[month]
            if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) and month >= 2:
                if month == 2:
                    month_days = 29
                else:
                    month_base += 1
            month_key = year * 16 + month
        if day < 1 or day > month_days:
            return None
        ordinal: i64 = month_base + day  # datetime.date(year, month, day).toordinal()
        # Each byte into an i64 first: compiled, subtracting from rows[...]
        # itself would be a Python int operation.
        fm: i64 = rows[d + 11]
        g: i64 = rows[d + 13]
        s: i64 = rows[d + 15]
        b: i64 = rows[d + 17]
        red_flag: i64 = rows[d + 19]
        fm -= _ZERO
        g -= _ZERO
        s -= _ZERO
        b -= _ZERO
        red_flag -= _ZERO
        if not (
            0 <= fm <= fm_max
            and 0 <= g <= g_max
            and 0 <= s <= s_max
            and 0 <= b <= b_max
            and 0 <= red_flag <= 1
            and rows[d + 12] == _COMMA
            and rows[d + 14] == _COMMA
            and rows[d + 16] == _COMMA
            and rows[d + 18] == _COMMA
        ):
            return None
        if not same:
            # Written by the caller's str.encode, so it decodes to the id as written.
            pid = rows[i:j].decode()
            found = by_patient.get(pid)
            if found is None:
                codes = by_patient[pid] = []
                last_ordinal = 0
            else:  # a patient seen before, further up the file
                codes = found
                last_ordinal = (found[-1] >> 17) + _EPOCH_ORDINAL
            pid_at = i
            pid_len = j - i
        if ordinal <= last_ordinal:
            return None  # dates going back or repeated: the general reader sorts them or names the repeat
        last_ordinal = ordinal
        codes.append(((ordinal - _EPOCH_ORDINAL) << 17) + (fm << 13) + (g << 9) + (s << 5) + (b << 1) + red_flag)
        i = stop + 1
    return by_patient

"""csvscan, the replay's byte-by-byte reader, gives what the split-based reader gives, or None and leaves it to it."""

import datetime
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detection
import detection.csvscan
from detection import replay
from detection.rules import pack_day

HEADER = "patient_id,date,fine_motor,gait,sensation,bladder,red_flag"
SOURCE = Path(__file__).resolve().parents[2] / "detection" / "csvscan.py"


def csvscan_from_source():
    spec = importlib.util.spec_from_file_location("csvscan_from_source", SOURCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SOURCE_MODULE = csvscan_from_source()


@pytest.fixture(scope="module", params=["as imported", "source"])
def scan(request):
    """packed_checkins over a file's text after its header, from the module both ways."""
    module = detection.csvscan if request.param == "as imported" else SOURCE_MODULE
    return lambda text: module.packed_checkins(text.split("\n", 1)[1].encode(), replay._ROW_MAXIMA)


def split_reader(text: str) -> dict[str, list[int]]:
    """What the replay reads from the same text without csvscan (the split-based readers), packed."""
    return {pid: [pack_day(*row) for row in days] for pid, days in replay._rows_from_text(text).items()}


def test_it_reads_a_whole_cohort_as_the_split_reader_does(scan, cohort_csv):
    packed = scan(cohort_csv)
    assert packed is not None
    assert sum(len(codes) for codes in packed.values()) > 5000
    assert packed == split_reader(cohort_csv)
    assert list(packed) == list(split_reader(cohort_csv))  # patients in the order they first appear


def test_the_replay_uses_it_where_it_is_compiled():
    assert replay._SCAN == detection.is_compiled(detection.csvscan)
    if replay._SCAN:
        assert replay._scanned_file(f"{HEADER}\nP1,2025-01-03,5,7,3,3,0\n") == {
            "P1": [pack_day(datetime.date(2025, 1, 3), 5, 7, 3, 3, False)]
        }


@pytest.mark.parametrize(
    "rows",
    [
        "P1,2025-01-03,5,7,3,3,1\nP1,2025-01-04,0,0,0,0,0",  # no newline at the end
        "P1,2025-01-03,5,7,3,3,1\nP2,2025-01-03,4,6,2,3,0\nP1,2025-01-05,3,3,3,3,0\n",  # a patient comes back
        "P1,2024-02-28,5,7,3,3,0\nP1,2024-02-29,5,7,3,3,0\nP1,2024-03-01,5,7,3,3,0\n",  # a leap day
        "P1,2000-02-29,5,7,3,3,0\nP1,2000-12-31,5,7,3,3,0\nP1,2001-03-01,5,7,3,3,0\n",
        "P1,0001-01-01,5,7,3,3,0\nP1,1969-12-31,5,7,3,3,0\nP1,9999-12-31,5,7,3,3,0\n",
        "Pätient Ω,2025-01-03,5,7,3,3,0\nP,2025-01-03,5,7,3,3,0\nPätient Ω,2025-01-04,1,2,1,0,1\n",
        "P1 with spaces ,2025-01-03,5,7,3,3,0\nP1 with spaces,2025-01-04,5,7,3,3,0\n",  # two ids
        "P10,2025-01-03,5,7,3,3,0\nP1,2025-01-03,5,7,3,3,0\nP100,2025-01-03,5,7,3,3,0\n",  # prefixes
        "",
    ],
)
def test_it_reads_rows_of_the_common_form_as_the_split_reader_does(scan, rows):
    text = f"{HEADER}\n{rows}"
    assert scan(text) is not None
    assert scan(text) == split_reader(text)


@pytest.mark.parametrize(
    "row",
    [
        "",  # a blank line
        ",,,,,,",
        "P2",
        "P2,2025-01-03",
        ",2025-01-03,5,7,3,3,0",  # no patient_id
        "P2,2025-01-03,5,7,3,3,0,extra",
        "P2,2025-01-03, 5,7,3,3,0",
        "P2,2025-01-03,05,7,3,3,0",
        "P2,2025-01-03,6,7,3,3,0",  # above each domain's maximum in turn
        "P2,2025-01-03,5,8,3,3,0",
        "P2,2025-01-03,5,7,4,3,0",
        "P2,2025-01-03,5,7,3,4,0",
        "P2,2025-01-03,5,7,3,3,2",
        "P2,2025-01-03,5,7,3,-,0",
        "P2,2025-1-03,5,7,3,3,0",
        "P2,2025/01/03,5,7,3,3,0",
        "P2,2025-01-0x,5,7,3,3,0",
        "P2,2025-W01-1,5,7,3,3,0",
        "P2,0000-01-01,5,7,3,3,0",
        "P2,2025-00-10,5,7,3,3,0",
        "P2,2025-13-10,5,7,3,3,0",
        "P2,2025-01-00,5,7,3,3,0",
        "P2,2025-01-32,5,7,3,3,0",
        "P2,2025-04-31,5,7,3,3,0",
        "P2,2025-02-29,5,7,3,3,0",
        "P2,1900-02-29,5,7,3,3,0",
        "P2,2024-02-30,5,7,3,3,0",
        "P2,2025-01-03,5,7,3,3,0\nP2,2025-01-03,5,7,3,3,0",  # a date repeated
        "P2,2025-01-03,5,7,3,3,0\nP2,2025-01-02,5,7,3,3,0",  # and going back
        "Q,2025-01-03,5,7,3,3,0\nP1,2025-01-04,5,7,3,3,0",  # P1 back, on a date already seen further up
    ],
)
def test_it_leaves_any_other_row_to_the_split_reader(scan, row):
    text = f"{HEADER}\nP1,2025-01-03,5,7,3,3,0\nP1,2025-01-04,4,6,2,3,0\n{row}\nP3,2025-01-03,5,7,3,3,0\n"
    assert scan(text) is None
    # What the replay then prints is the readers' (their rows or their error).
    try:
        expected = replay.alert_lines(replay._rows_from_text(text))
    except replay.ReplayInputError as exc:
        with pytest.raises(replay.ReplayInputError, match=re.escape(str(exc))):
            replay.replay_file_text(text, workers=1)
    else:
        assert replay.replay_file_text(text, workers=1) == expected


FIELDS = st.sampled_from(
    ["P1", "P2", "Q", "", " ", "2025-01-03", "2025-01-04", "2024-02-29", "2025-02-29", "0", "1", "3", "5", "7", "8"]
)


# Rows of the common form with dates that go up (so that most files are
# read, one wrong answer away from not being), and now and then anything else.
COMMON_ROW = st.tuples(st.sampled_from(["P1", "P2", "Pä"]), *(st.integers(0, top + 1) for top in (5, 7, 3, 3, 1)))
ANY_ROW = st.lists(FIELDS, min_size=0, max_size=8).map(",".join)


def as_text(rows: list) -> str:
    day = datetime.date(2024, 2, 27)
    lines = [HEADER]
    for n, row in enumerate(rows):
        if isinstance(row, str):
            lines.append(row)
        else:
            lines.append(",".join(map(str, (row[0], (day + datetime.timedelta(days=n)).isoformat(), *row[1:]))))
    return "\n".join(lines) + "\n"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(COMMON_ROW, COMMON_ROW, COMMON_ROW, ANY_ROW), max_size=8).map(as_text))
def test_on_any_rows_it_gives_the_split_readers_check_ins_or_none(text):
    # The scanner never reads a file otherwise than the split-based reader
    # does: it may only decline. The module both ways, as in the fixture.
    try:
        expected = split_reader(text)
    except replay.ReplayInputError:
        expected = None  # a bad row: csvscan must decline
    for module in (detection.csvscan, SOURCE_MODULE):
        got = module.packed_checkins(text.split("\n", 1)[1].encode(), replay._ROW_MAXIMA)
        assert got is None or got == expected


def test_the_packed_replay_prints_the_lines_json_dumps_gives_for_any_patient_id(cohort_csv):
    rows = replay._rows_from_text(cohort_csv)
    # The cohort's rows under ids that JSON must escape.
    names = ['P"1', "Pä\\2", "P\t3", "Ω", "plain"]
    renamed = {names[n % len(names)] + str(n): days for n, days in enumerate(rows.values())}
    packed = {pid: [pack_day(*row) for row in days] for pid, days in renamed.items()}
    expected = replay.alert_lines(renamed)
    assert len(expected.splitlines()) > 20
    assert replay.packed_alert_lines(packed) == expected

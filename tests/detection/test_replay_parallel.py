"""The replay's fast paths (the reader's and the forked workers') give what one process with the general reader gives."""

import gc
import io
import json
import random

import pytest

from detection import replay
from detection.replay import ReplayInputError, alert_lines, read_checkin_rows, replay_file_text

HEADER = "patient_id,date,fine_motor,gait,sensation,bladder,red_flag\n"


def general(text: str) -> dict:
    """The general reader alone (the csv module), which the fast paths must agree with."""
    return replay._group_rows(enumerate((line.split(",") for line in text.split("\n")), 1), trailing_blank=True)


def one_process(text: str) -> str:
    return alert_lines(general(text))


def in_parallel(text: str, workers: int = 2) -> str:
    return replay_file_text(text, workers=workers, parallel_min_chars=0)


def error_of(fn, text: str) -> tuple[int, str]:
    with pytest.raises(ReplayInputError) as exc:
        fn(text)
    return exc.value.line, str(exc.value)


def test_the_fast_reader_gives_the_general_readers_rows_for_a_whole_cohort(cohort_csv):
    assert read_checkin_rows(io.StringIO(cohort_csv)) == general(cohort_csv)


@pytest.mark.parametrize("workers", [2, 3, 7])
def test_workers_print_the_same_lines_in_the_same_order_as_one_process(cohort_csv, workers):
    expected = one_process(cohort_csv)
    assert len(expected.splitlines()) > 20
    assert in_parallel(cohort_csv, workers) == expected
    assert replay._parallel_lines(cohort_csv, replay.RuleConfig(), workers) == expected  # not a fallback


def test_parts_start_where_a_new_patient_begins(cohort_csv):
    starts = replay._part_starts(cohort_csv, 3)
    assert len(starts) == 3
    for start in starts[1:]:
        previous = cohort_csv[cohort_csv.rfind("\n", 0, start - 1) + 1 : start]
        assert cohort_csv[start - 1] == "\n"
        assert previous.split(",")[0] != cohort_csv[start:].split(",")[0]


def test_a_file_not_grouped_by_patient_gives_the_one_process_output(cohort_csv):
    lines = cohort_csv.splitlines(keepends=True)
    body = lines[1:]
    random.Random(3).shuffle(body)
    shuffled = lines[0] + "".join(body)
    assert replay._parallel_lines(shuffled, replay.RuleConfig(), 2) is None
    assert in_parallel(shuffled) == one_process(shuffled)
    # The same alerts; patients come in the order they first appear.
    assert sorted(one_process(shuffled).splitlines()) == sorted(one_process(cohort_csv).splitlines())


def test_a_patient_cut_across_two_parts_falls_back_to_one_process(cohort_csv):
    # The last patient's rows moved to the top: that patient is in the first and the last part.
    lines = cohort_csv.splitlines(keepends=True)
    last_pid = lines[-1].split(",")[0]
    tail = [line for line in lines[1:] if line.startswith(last_pid + ",")]
    rest = [line for line in lines[1:] if not line.startswith(last_pid + ",")]
    moved = lines[0] + "".join(tail[:5] + rest + tail[5:])
    assert replay._parallel_lines(moved, replay.RuleConfig(), 2) is None
    assert in_parallel(moved) == one_process(moved)


@pytest.mark.parametrize(
    "bad",
    [
        "{pid},2025-01-03,4,8,2,3,0",
        "{pid},2025-13-01,4,6,2,3,0",
        "{pid},2025-01-03,4,6",
        ",2025-01-03,4,6,2,3,0",
        "{previous}",  # the row before again: a second check-in on a date the patient already has
    ],
)
def test_a_bad_row_in_a_later_part_is_the_same_error_as_in_one_process(cohort_csv, bad):
    lines = cohort_csv.splitlines(keepends=True)
    at = len(lines) * 3 // 4
    pid = lines[at].split(",")[0]
    text = "".join(lines[:at]) + bad.format(pid=pid, previous=lines[at - 1].strip()) + "\n" + "".join(lines[at:])
    expected = error_of(one_process, text)
    assert expected[0] == at + 1
    assert error_of(in_parallel, text) == expected
    assert error_of(lambda t: read_checkin_rows(io.StringIO(t)), text) == expected


def test_of_two_bad_rows_the_earlier_one_is_reported(cohort_csv):
    lines = cohort_csv.splitlines(keepends=True)
    early, late = len(lines) // 4, len(lines) * 3 // 4
    text = (
        "".join(lines[:early])
        + "X,2025-01-01,9,6,2,3,0\n"
        + "".join(lines[early:late])
        + "Y,2025-01-01,4,6,2,3,2\n"
        + "".join(lines[late:])
    )
    assert (
        error_of(in_parallel, text)
        == error_of(one_process, text)
        == (early + 1, f"line {early + 1}: fine_motor must be 0-5, not 9")
    )


def test_rows_out_of_date_order_are_sorted_as_the_general_reader_sorts_them():
    text = HEADER + "A,2025-01-03,4,6,2,3,0\nA,2025-01-01,4,6,2,3,1\nB,2025-01-01,4,6,2,3,0\nA,2025-01-02,4,6,2,3,0\n"
    rows = read_checkin_rows(io.StringIO(text))
    assert rows == general(text)
    assert [r[0].day for r in rows["A"]] == [1, 2, 3]


def test_spaces_around_scores_and_blank_lines_read_as_the_general_reader_reads_them():
    text = HEADER + "A,2025-01-01, 4,6 ,2,3,0\n\n  ,  \nA,2025-01-02,4,6,2,3,1,extra\n"
    assert read_checkin_rows(io.StringIO(text)) == general(text)
    assert read_checkin_rows(io.StringIO(text))["A"][0][1:] == (4, 6, 2, 3, False)


def test_reading_leaves_the_garbage_collector_as_it_found_it(cohort_csv):
    assert gc.isenabled()
    replay_file_text(cohort_csv, workers=1)
    assert gc.isenabled()
    gc.disable()
    try:
        replay_file_text(cohort_csv, workers=1)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(ReplayInputError):
        replay_file_text(HEADER + "A,2025-01-01,4,9,2,3,0\n", workers=1)
    assert gc.isenabled()


def test_the_replays_lines_are_the_alerts_the_live_detector_opens_check_in_by_check_in(cohort_csv):
    # alert_lines goes through rules.opened_events; replay_patients feeds DayScores one by one.
    from detection.replay import read_checkins, replay_patients

    live = "".join(json.dumps(a) + "\n" for a in replay_patients(read_checkins(io.StringIO(cohort_csv))))
    assert alert_lines(read_checkin_rows(io.StringIO(cohort_csv))) == live
    assert len(live.splitlines()) > 20


@pytest.mark.parametrize(
    "bad,message",
    [
        (",2025-01-01,4,6,2,3,0", "line 4: patient_id is empty"),
        ("B,2025-01-01", "line 4: expected at least 7 columns, found 2"),
        ("B,2025-01-01,4,6,2,3", "line 4: expected at least 7 columns, found 6"),
        ("B", "line 4: expected at least 7 columns, found 1"),
    ],
)
def test_a_bad_row_made_of_a_date_and_scores_seen_before_is_still_refused(bad, message):
    # The fast path has the date and the score tail in its caches by then.
    text = HEADER + "A,2025-01-01,4,6,2,3,0\nA,2025-01-02,4,6,2,3,0\n" + bad + "\n"
    assert error_of(lambda t: read_checkin_rows(io.StringIO(t)), text) == (4, message)
    assert error_of(one_process, text) == (4, message)


def test_when_a_worker_cannot_be_forked_one_process_replays_the_file(cohort_csv, monkeypatch):
    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(replay.os, "fork", no_fork)
    assert replay._parallel_lines(cohort_csv, replay.RuleConfig(), 2) is None
    assert in_parallel(cohort_csv) == one_process(cohort_csv)


def test_the_workers_are_reaped_and_their_pipes_closed(cohort_csv):
    import os

    fds = len(os.listdir("/proc/self/fd"))
    bad = cohort_csv + "Z,2025-01-01,4,6,2,3,9\n"  # an error in the last part as well as a good run
    in_parallel(cohort_csv, 3)
    with pytest.raises(ReplayInputError):
        in_parallel(bad, 3)
    assert len(os.listdir("/proc/self/fd")) == fds
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left, not even a zombie


def test_by_default_a_replay_forks_a_worker_per_cpu_unless_the_machine_is_saturated(monkeypatch):
    monkeypatch.setattr(replay.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(replay.os, "getloadavg", lambda: (1.5, 1.0, 1.0))
    assert replay.default_workers() == 2
    monkeypatch.setattr(replay.os, "getloadavg", lambda: (3.9, 1.0, 1.0))
    assert replay.default_workers() == 2
    # Both CPUs' worth of other work and more: the second worker would only wait.
    monkeypatch.setattr(replay.os, "getloadavg", lambda: (4.0, 6.0, 6.0))
    assert replay.default_workers() == 1
    monkeypatch.setattr(replay.os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    monkeypatch.setattr(replay.os, "getloadavg", lambda: (3.0, 3.0, 3.0))
    assert replay.default_workers() == 8

"""manage.py replay_detection: CSV in, one JSON line per alert opened."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from detection.replay import ReplayInputError, read_checkins, replay_patients, replay_text
from detection.rules import replay_patient
from detection.simulation import write_cohort

ROOT = Path(__file__).resolve().parents[2]
HEADER = "patient_id,date,fine_motor,gait,sensation,bladder,red_flag\n"


def rows(pid: str, first_day: int, count: int, scores=(4, 6, 2, 3), red_flag=0) -> str:
    return "".join(f"{pid},2025-01-{first_day + i:02d},{','.join(map(str, scores))},{red_flag}\n" for i in range(count))


def run(path) -> list[dict]:
    from io import StringIO

    out = StringIO()
    call_command("replay_detection", str(path), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_it_prints_one_json_object_per_alert_with_the_patient_id_verbatim(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text(HEADER + rows(" 007", 1, 10) + rows(" 007", 11, 12, (3, 5, 2, 3)) + rows("pt-2", 1, 2, red_flag=1))
    alerts = run(csv)
    assert {"patient_id": "pt-2", "date": "2025-01-01", "rule": "red_flag", "severity": "urgent"} in alerts
    declines = [a for a in alerts if a["patient_id"] == " 007"]
    assert [a["rule"] for a in declines][:1] == ["sustained_decline"]
    assert set(declines[0]) == {"patient_id", "date", "rule", "severity"}


def test_extra_columns_are_ignored_and_missing_dates_are_missed_check_ins(tmp_path):
    csv = tmp_path / "c.csv"
    text = "note,red_flag,bladder,sensation,gait,fine_motor,date,patient_id\n"
    # Seven days make the baseline; then 9, 10 and 11 January are missing.
    text += "".join(f"x,0,3,2,6,4,2025-01-{d:02d},A\n" for d in (1, 2, 3, 4, 5, 6, 7, 8, 12))
    csv.write_text(text)
    assert run(csv) == [{"patient_id": "A", "date": "2025-01-11", "rule": "missed_checkins", "severity": "low"}]


def test_missing_dates_before_a_baseline_do_not_alert(tmp_path):
    csv = tmp_path / "c.csv"
    text = "patient_id,date,fine_motor,gait,sensation,bladder,red_flag\n"
    text += "".join(f"A,2025-01-{d:02d},4,6,2,3,0\n" for d in (1, 2, 3, 8))
    csv.write_text(text)
    assert run(csv) == []


@pytest.mark.parametrize(
    "bad_row,field",
    [
        ("P1,2025-01-03,4,8,2,3,0", "gait must be 0-7, not 8"),
        ("P1,2025-01-03,6,6,2,3,0", "fine_motor must be 0-5"),
        ("P1,2025-01-03,4,6,x,3,0", "sensation must be a whole number 0-3, not 'x'"),
        ("P1,2025-01-03,4,6,2,-1,0", "bladder must be 0-3, not -1"),
        ("P1,2025-01-03,4,6,2,3,yes", "red_flag must be 0 or 1"),
        ("P1,03/01/2025,4,6,2,3,0", "date must be YYYY-MM-DD"),
        ("P1,2025-02-30,4,6,2,3,0", "date must be YYYY-MM-DD"),
        ("P1,2025-01-01,4,6,2,3,0", "a second check-in for patient 'P1' on 2025-01-01 (first on line 2)"),
        ("P1,2025-01-03,4,6", "expected at least 7 columns"),
        (",2025-01-03,4,6,2,3,0", "patient_id is empty"),
    ],
)
def test_it_rejects_a_bad_row_naming_the_line_and_the_field(tmp_path, bad_row, field):
    csv = tmp_path / "c.csv"
    csv.write_text(HEADER + rows("P1", 1, 2) + bad_row + "\n")
    with pytest.raises(CommandError) as exc:
        run(csv)
    assert f"line 4: {field}" in str(exc.value)


def test_it_rejects_a_file_without_the_required_columns(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("patient_id,date,gait\nP1,2025-01-01,4\n")
    with pytest.raises(CommandError, match="line 1: missing column.*fine_motor"):
        run(csv)


def test_bad_input_exits_non_zero_with_the_line_and_no_traceback(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text(HEADER + rows("P1", 1, 2) + "P1,2025-01-03,4,8,2,3,0\n")
    env = {**os.environ, "SECRET_KEY": "test-only", "DJANGO_SETTINGS_MODULE": "config.settings"}
    proc = subprocess.run(
        [sys.executable, "manage.py", "replay_detection", str(csv)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "line 4: gait must be 0-7, not 8" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_replay_opens_exactly_the_alerts_the_live_detector_opens(tmp_path):
    out, truth = tmp_path / "c.csv", tmp_path / "c.truth.csv"
    write_cohort(str(out), str(truth), patients=30, days=200, seed=4, noise=1.5)
    with open(out) as f:
        by_patient = read_checkins(f)
    replayed = list(replay_patients(by_patient))
    live = []
    for pid, days in by_patient.items():
        _, events = replay_patient(days)
        live += [
            {"patient_id": pid, "date": e.date.isoformat(), "rule": e.rule, "severity": e.severity}
            for e in events
            if e.kind == "opened"
        ]
    assert replayed == live
    assert len(replayed) > 10


def test_rows_out_of_date_order_are_sorted_per_patient():
    text = HEADER + "A,2025-01-02,4,6,2,3,0\nA,2025-01-01,4,6,2,3,1\n"
    assert replay_text(text) == [{"patient_id": "A", "date": "2025-01-01", "rule": "red_flag", "severity": "urgent"}]


def test_the_reader_error_carries_the_line_number():
    with pytest.raises(ReplayInputError) as exc:
        replay_text(HEADER + "A,2025-01-01,4,6,2,3,0\n\nA,2025-01-02,9,6,2,3,0\n")
    assert exc.value.line == 4


def test_compare_two_settings_side_by_side_names_the_patients_that_differ(tmp_path):
    from io import StringIO

    path = tmp_path / "history.csv"
    # "steady" never declines; "drifter" sits at exactly the MCID below for 12 check-ins, which
    # the early point calls a drift and the conservative point does not yet.
    fair = (3, 5, 2, 3)
    path.write_text(HEADER + rows("steady", 1, 26) + rows("drifter", 1, 14) + rows("drifter", 15, 12, fair))
    rules = tmp_path / "conservative.json"
    rules.write_text('{"operating_point": "conservative"}')
    out = StringIO()
    call_command("replay_detection", str(path), compare=["early", str(rules)], stdout=out)
    text = out.getvalue().splitlines()
    assert text[0] == "2 patients, 0.1 patient-years of check-ins"
    early, conservative = (line.split() for line in text[2:4])
    assert early[0] == "early" and int(early[1]) > int(conservative[1])
    assert "patients differ" in text[4]
    assert [line.split(":")[0].strip() for line in text[5:]] == ["drifter"]


def test_compare_refuses_an_unknown_setting_naming_the_choices(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(HEADER + rows("A", 1, 3))
    with pytest.raises(CommandError, match="conservative, balanced, early or a JSON file"):
        call_command("replay_detection", str(path), compare=["balanced", "eager"])


def test_the_fast_reader_and_the_csv_module_give_the_same_rows_and_errors():
    from io import StringIO

    from detection.replay import read_checkin_rows

    plain = HEADER + rows("A", 1, 9) + rows("B", 3, 4, (3, 5, 2, 3), red_flag=1)
    quoted = plain.replace("A,", '"A",').replace("\n", "\r\n")  # quotes and CRLF: the csv module's path
    assert read_checkin_rows(StringIO(plain)) == read_checkin_rows(StringIO(quoted))
    assert read_checkin_rows(StringIO(plain))["B"][0][5] is True
    bad = plain + "B,2025-01-20,4,9,2,3,0\n"
    for text in (bad, bad.replace("B,", '"B",')):
        with pytest.raises(ReplayInputError, match="line 15: gait must be 0-7, not 9"):
            read_checkin_rows(StringIO(text))

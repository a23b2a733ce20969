"""score_detection COHORT TRUTH: a truth file written by another tool is read as meant, or refused."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from detection.scoring import read_truth

HEADER = "patient_id,date,fine_motor,gait,sensation,bladder,red_flag\n"


def cohort(tmp_path, progresses: str, stable: str, bom: bool = False):
    """One patient who falls 5 points after a fortnight, one who stays level; 60 days each."""
    rows = []
    for d in range(60):
        day = (date(2025, 1, 1) + timedelta(days=d)).isoformat()
        low = d >= 14
        rows.append(f"P1,{day},{2 if low else 4},{4 if low else 6},{1 if low else 2},{2 if low else 3},0\n")
        rows.append(f"P2,{day},4,6,2,3,0\n")
    (tmp_path / "c.csv").write_text(HEADER + "".join(rows))
    truth = f"patient_id,progresses,decline_date,onset\nP1,{progresses},2025-01-15,2025-01-15\nP2,{stable},,\n"
    (tmp_path / "t.csv").write_text(("\ufeff" if bom else "") + truth, encoding="utf-8")
    return str(tmp_path / "c.csv"), str(tmp_path / "t.csv")


def scored(tmp_path, *args, **kwargs) -> dict:
    out = StringIO()
    call_command("score_detection", *cohort(tmp_path, *args, **kwargs), "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("yes,no", [("1", "0"), ("True", "False"), ("yes", "no"), ("TRUE", ""), (" y ", " n ")])
def test_progresses_reads_ones_trues_and_yeses_alike(tmp_path, yes, no):
    result = scored(tmp_path, yes, no)
    assert result["progressors"] == 1 and result["detected"] == 1
    assert result["stable_patients"] == 1 and result["false_alerts"] == 0


def test_a_truth_file_with_a_byte_order_mark_is_read(tmp_path):
    assert scored(tmp_path, "1", "0", bom=True)["progressors"] == 1


@pytest.mark.parametrize("value", ["2", "maybe", "progressor"])
def test_a_progresses_value_that_means_neither_is_refused_with_its_line(tmp_path, value):
    with pytest.raises(CommandError, match=rf"truth line 2: progresses must be 1 or 0 .*'{value}'"):
        call_command("score_detection", *cohort(tmp_path, value, "0"), "--json", stdout=StringIO())


def test_read_truth_names_the_missing_columns():
    with pytest.raises(ValueError, match="decline_date, patient_id, progresses"):
        read_truth(StringIO("id,progressing\nP1,1\n"))

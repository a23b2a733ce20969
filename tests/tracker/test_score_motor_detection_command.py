"""manage.py score_motor_detection: the with/without motor tests table."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def test_it_prints_the_three_arms_for_each_seed_and_noise():
    printed = StringIO()
    call_command("score_motor_detection", patients=30, days=150, seed=[3, 4], noise=[1.0, 2.0], stdout=printed)
    text = printed.getvalue()
    assert text.count("mJOA rules alone") == 4
    assert text.count("mJOA + motor rule") == 4
    assert "seed 4, noise 2" in text


def test_it_prints_json_one_object_per_table():
    printed = StringIO()
    call_command("score_motor_detection", patients=30, days=150, seed=[5], json=True, stdout=printed)
    (line,) = printed.getvalue().splitlines()
    figures = json.loads(line)
    assert set(figures["arms"]) == {"mJOA rules alone", "motor rule alone", "mJOA + motor rule"}
    assert figures["motor_tries"] > 0


def test_a_bad_motor_setting_is_an_error_naming_it(tmp_path):
    path = tmp_path / "motor.json"
    path.write_text(json.dumps({"tap_share": 0.2}))
    with pytest.raises(CommandError, match="tap_share"):
        call_command("score_motor_detection", patients=5, days=30, motor_rules=str(path), stdout=StringIO())


def test_it_rejects_an_empty_cohort():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("score_motor_detection", patients=0, stdout=StringIO())

"""Scoring replayed alerts against the truth, and the two cohort commands."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from detection.rules import DayScore
from detection.scoring import Truth, score

D = datetime.date(2025, 1, 1)


def days_of(n: int) -> list[DayScore]:
    return [DayScore(D + datetime.timedelta(days=i), 4, 6, 2, 3) for i in range(n)]


def at(n: int) -> str:
    return (D + datetime.timedelta(days=n)).isoformat()


def test_it_counts_catches_from_onset_false_alerts_per_stable_year_and_the_median_delay():
    truth = {
        "caught": Truth(True, D + datetime.timedelta(days=100), D + datetime.timedelta(days=60)),
        "early": Truth(True, D + datetime.timedelta(days=100), D + datetime.timedelta(days=60)),
        "missed": Truth(True, D + datetime.timedelta(days=100), D + datetime.timedelta(days=60)),
        "too_late_to_tell": Truth(True, D + datetime.timedelta(days=360), D + datetime.timedelta(days=300)),
        "stable": Truth(False, None, None),
        "stable2": Truth(False, None, None),
    }
    checkins = {pid: days_of(365) for pid in truth}
    alerts = [
        {"patient_id": "caught", "date": at(110), "rule": "sustained_decline"},
        {"patient_id": "early", "date": at(30), "rule": "drift"},  # before onset: noise, not a catch
        {"patient_id": "early", "date": at(96), "rule": "drift"},
        {"patient_id": "missed", "date": at(120), "rule": "red_flag"},  # not a decline alert
        {"patient_id": "stable", "date": at(50), "rule": "domain_decline"},
        {"patient_id": "stable", "date": at(90), "rule": "missed_checkins"},  # aside
    ]
    s = score(alerts, truth, checkins)
    assert (s.progressors, s.detected, s.excluded_short_followup) == (3, 2, 1)
    assert s.delays == [10, -4]
    assert s.median_delay == 3
    assert s.false_alerts == 1
    assert abs(s.false_per_patient_year - 1 / (2 * 365 / 365.25)) < 1e-9


def test_simulate_then_score_from_files(tmp_path):
    out = tmp_path / "cohort.csv"
    call_command("simulate_cohort", patients=60, days=200, seed=3, out=str(out), stderr=StringIO())
    assert (tmp_path / "cohort.truth.csv").read_text().startswith("patient_id,progresses,decline_date,onset")
    printed = StringIO()
    call_command("score_detection", str(out), stdout=printed)
    text = printed.getvalue()
    assert "sensitivity" in text and "false decline alerts per stable patient-year" in text and "median delay" in text


def test_score_on_a_cohort_simulated_on_the_fly_as_json():
    printed = StringIO()
    call_command("score_detection", patients=80, days=240, seed=5, noise=2.0, json=True, stdout=printed)
    figures = json.loads(printed.getvalue())
    assert figures["stable_patients"] > 50
    assert 0 <= figures["sensitivity"] <= 1
    assert figures["false_alerts_per_stable_patient_year"] < 2


def test_the_sweep_prints_the_operating_curve_with_the_named_points_and_the_naive_rule(tmp_path):
    printed = StringIO()
    figure = tmp_path / "curve.html"
    call_command(
        "score_detection",
        patients=150,
        days=300,
        seed=1,
        sweep=True,
        levels="0.6,2.0",
        figure=str(figure),
        stdout=printed,
        stderr=StringIO(),
    )
    lines = printed.getvalue().splitlines()
    assert lines[0] == "| setting | sensitivity | false / patient-year | median delay (days) |"
    labels = [line.split("|")[1].strip() for line in lines[2:]]
    # The requested settings and the three named points, in order of the dial, then the naive rule.
    assert labels == ["0.6", "0.8 (early)", "1 (balanced)", "1.25 (conservative)", "2", "naive rule"]
    false_rates = [float(line.split("|")[3]) for line in lines[2:-1]]
    # Asking for more evidence never raises more false alerts on the same cohort.
    assert false_rates == sorted(false_rates, reverse=True)
    assert false_rates[0] > false_rates[-1]
    html = figure.read_text()
    assert "Plotly.newPlot" in html and "naive rule" in html and "balanced" in html


def test_the_sweep_as_json_has_one_point_per_setting():
    printed = StringIO()
    call_command("score_detection", patients=60, days=200, seed=2, sweep=True, levels="1", json=True, stdout=printed)
    data = json.loads(printed.getvalue())
    assert [p["name"] for p in data["points"]] == ["early", "balanced", "conservative"]
    assert "sensitivity" in data["naive"]


def test_bad_sweep_levels_and_a_figure_without_a_sweep_are_refused():
    with pytest.raises(CommandError, match="--levels"):
        call_command("score_detection", patients=10, sweep=True, levels="fast")
    with pytest.raises(CommandError, match="--figure needs --sweep"):
        call_command("score_detection", patients=10, figure="x.html")


def test_figures_by_shape_noise_and_adherence_and_for_the_naive_rule():
    printed = StringIO()
    call_command("score_detection", patients=200, days=300, seed=4, by=["shape", "adherence"], stdout=printed)
    text = printed.getvalue()
    assert "| shape | sensitivity |" in text and "| stable | - |" in text and "| step |" in text
    assert "| adherence | sensitivity |" in text and "under 65%" in text
    naive = StringIO()
    call_command("score_detection", patients=200, days=300, seed=4, detector="naive", json=True, stdout=naive)
    assert json.loads(naive.getvalue())["false_alerts_by_rule"].keys() <= {"naive_decline"}


def test_calibration_prints_the_reliability_table_over_the_validation_seeds():
    out = StringIO()
    call_command("score_detection", patients=80, days=240, noise=1.5, calibration=True, seeds="3,4", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "| stated probability | alerts | stated (mean) | observed real |"
    assert [line.split(" | ")[0] for line in lines[2:7]] == [
        "| under 50%",
        "| 50%-70%",
        "| 70%-85%",
        "| 85%-95%",
        "| 95% or more",
    ]
    assert lines[7].startswith("| all | ") and "Brier score 0." in lines[7]
    total = int(lines[7].split(" | ")[1])
    assert total == sum(int(line.split(" | ")[1]) for line in lines[2:7]) > 10


def test_calibration_as_json_and_from_a_cohort_file(tmp_path):
    out = StringIO()
    call_command("score_detection", patients=60, days=240, calibration=True, seeds="5", json=True, stdout=out)
    data = json.loads(out.getvalue())
    assert data["seeds"] == [5] and len(data["bins"]) == 5
    assert data["alerts"] == sum(b["alerts"] for b in data["bins"]) and 0 < data["brier"] < 0.5
    assert all(b["stated"] is None or b["low"] <= b["stated"] < max(b["high"], 1.0001) for b in data["bins"])

    from detection.simulation import write_cohort

    cohort, truth = tmp_path / "c.csv", tmp_path / "c.truth.csv"
    write_cohort(str(cohort), str(truth), patients=60, days=240, seed=5)
    out = StringIO()
    call_command("score_detection", str(cohort), calibration=True, json=True, stdout=out)
    assert json.loads(out.getvalue())["bins"] == data["bins"]


@pytest.mark.parametrize(
    "options,message",
    [
        ({"seeds": "3"}, "--seeds needs --calibration"),
        ({"calibration": True, "sweep": True}, "--calibration does not go with"),
        ({"calibration": True, "seeds": "three"}, "--seeds must be whole numbers"),
    ],
)
def test_bad_calibration_options_are_refused(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("score_detection", patients=5, days=30, **options)

"""A care team's red_flag_severity setting decides the red-flag alert's severity."""

import pytest

from notifications.models import Alert
from tracker.evaluation import evaluate_patients
from tracker.services import checkin_submit

pytestmark = pytest.mark.django_db

GOOD = {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 3}


def test_a_red_flag_is_urgent_by_default(patient):
    checkin_submit(patient=patient, answers=dict(GOOD, rf_weakness=True))

    assert Alert.objects.get(patient=patient, rule="red_flag").severity == "urgent"


def test_a_care_teams_red_flag_severity_wins_in_the_request_and_after_evaluation(patient, team_b_patient):
    team = patient.care_team
    team.rule_overrides = {"red_flag_severity": "high"}
    team.save()

    checkin_submit(patient=patient, answers=dict(GOOD, rf_weakness=True))
    checkin_submit(patient=team_b_patient, answers=dict(GOOD, rf_weakness=True))
    evaluate_patients([patient.pk, team_b_patient.pk])

    assert [a.severity for a in Alert.objects.filter(patient=patient, rule="red_flag")] == ["high"]
    assert [a.severity for a in Alert.objects.filter(patient=team_b_patient, rule="red_flag")] == ["urgent"]

"""motor_decline: each saved try runs the rule; one alert per patient, opened once, closed on recovery."""

from datetime import timedelta

import pytest
from django.utils import timezone

from motor.evaluation import evaluate_all_motor, evaluate_motor
from motor.models import MotorTeamRules, MotorTest
from motor.services import motor_test_record
from notifications.models import Alert, Delivery
from notifications.services import alert_resolve
from tests.motor.conftest import tap_payload

pytestmark = pytest.mark.django_db


def weekly(patient, counts, *, start=None, side="right"):
    start = start or timezone.now() - timedelta(weeks=len(counts) + 1)
    rows = []
    for i, n in enumerate(counts):
        row, _ = motor_test_record(patient=patient, payload=tap_payload(n, side=side), now=start + timedelta(weeks=i))
        rows.append(row)
    return rows


PRACTICE = [22, 25, 27, 29]  # improving with practice: never the baseline
BASELINE = [30, 31, 30]


def test_the_first_tries_are_stored_as_practice(patient):
    weekly(patient, PRACTICE + BASELINE)
    flags = list(MotorTest.objects.order_by("started_at").values_list("practice", flat=True))
    assert flags == [True] * 4 + [False] * 3


def test_a_sustained_fall_opens_one_alert_with_evidence_and_deliveries(patient, clinician):
    weekly(patient, PRACTICE + BASELINE + [22, 21])
    assert not Alert.objects.filter(rule="motor_decline").exists()  # two low tries are not yet sustained
    weekly(patient, [20, 19], start=timezone.now() - timedelta(days=6))
    alerts = Alert.objects.filter(patient=patient, rule="motor_decline")
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.evidence.startswith("Right-hand taps 22, 21 and 20 on the last 3 tests")
    assert "baseline of 30" in alert.evidence
    assert alert.evidence_data["measures"] == ["tap_right"]
    assert Delivery.objects.filter(alert=alert).exists()


def test_recovery_closes_the_alert_and_running_again_changes_nothing(patient):
    weekly(patient, PRACTICE + BASELINE + [20, 20, 20, 31, 30, 32])
    alert = Alert.objects.get(patient=patient, rule="motor_decline")
    assert alert.status == Alert.Status.RESOLVED and alert.outcome == Alert.Outcome.RECOVERED
    before = list(Alert.objects.values_list("pk", "status"))
    evaluate_motor([patient.pk])
    evaluate_all_motor()
    assert list(Alert.objects.values_list("pk", "status")) == before


def test_an_episode_a_clinician_resolved_is_not_opened_again(patient, clinician):
    weekly(patient, PRACTICE + BASELINE + [20, 20, 20])
    alert = Alert.objects.get(patient=patient, rule="motor_decline")
    alert_resolve(alert=alert, user=clinician, outcome="called_patient", note="Knows; visit booked")
    weekly(patient, [19], start=timezone.now() - timedelta(hours=1))
    assert Alert.objects.filter(patient=patient, rule="motor_decline").count() == 1


def test_both_hands_declining_share_one_alert(patient):
    weekly(patient, PRACTICE + BASELINE + [20, 20, 20])
    weekly(patient, PRACTICE + BASELINE + [20, 20, 20], side="left")
    alerts = Alert.objects.filter(patient=patient, rule="motor_decline")
    assert alerts.count() == 1


def test_a_team_override_changes_the_threshold(patient, team_a):
    MotorTeamRules.objects.create(team=team_a, overrides={"tap_decline_share": 0.4})
    weekly(patient, PRACTICE + BASELINE + [20, 20, 20])  # 33% below: inside this team's 40%
    assert not Alert.objects.filter(rule="motor_decline").exists()


def test_a_bad_team_override_falls_back_to_the_site_thresholds(patient, team_a):
    MotorTeamRules.objects.create(team=team_a, overrides={"tap_decline_share": 7})
    weekly(patient, PRACTICE + BASELINE + [20, 20, 20])
    assert Alert.objects.filter(rule="motor_decline").count() == 1


def test_the_nightly_sweep_applies_a_changed_team_threshold(patient, team_a):
    from tracker.tasks import sweep_batch_task

    rules = MotorTeamRules.objects.create(team=team_a, overrides={"tap_decline_share": 0.4})
    weekly(patient, PRACTICE + BASELINE + [20, 20, 20])
    assert not Alert.objects.filter(rule="motor_decline").exists()
    rules.delete()
    sweep_batch_task([patient.pk])
    assert Alert.objects.filter(patient=patient, rule="motor_decline").count() == 1


def test_a_batch_only_loads_the_patients_who_have_tries_or_a_motor_alert(
    patient, other_patient, team_b_patient, django_assert_num_queries
):
    weekly(patient, PRACTICE + BASELINE + [20, 19, 20])
    assert Alert.objects.filter(patient=patient, rule="motor_decline").exists()
    Alert.objects.filter(patient=patient).delete()
    # Savepoint, tries, motor alerts, release: the patients without either are not read again.
    with django_assert_num_queries(4):
        result = evaluate_motor([other_patient.pk, team_b_patient.pk])
    assert result.patients == 0
    # With one who has tries in the batch, that patient is assessed (and the alert opened again).
    result = evaluate_motor([patient.pk, other_patient.pk, team_b_patient.pk])
    assert (result.patients, result.opened) == (1, 1)

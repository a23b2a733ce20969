"""A care team picks a named operating point; its patients are evaluated with it."""

import pytest
from django.urls import reverse

from detection.rules import OPERATING_POINTS, RuleConfig
from tests.tracker.test_evaluation import FAIR, GOOD, alerts, seed
from tracker.evaluation import evaluate_patients
from tracker.rule_settings import rule_config_for_team


def _admin_post(client, team, **changes):
    data = {
        "name": team.name,
        "phone": team.phone,
        "urgent_escalation_minutes": team.urgent_escalation_minutes,
        "high_escalation_minutes": team.high_escalation_minutes,
        "rule_overrides": "{}",
        "operating_point": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        **changes,
    }
    return client.post(reverse("admin:patients_careteam_change", args=[team.pk]), data)


def test_balanced_is_the_default_and_each_point_is_a_set_of_thresholds():
    assert RuleConfig() == RuleConfig.from_dict({"operating_point": "balanced"})
    early, conservative = (RuleConfig.from_dict({"operating_point": p}) for p in ("early", "conservative"))
    assert early.drift_threshold < RuleConfig().drift_threshold < conservative.drift_threshold
    assert early.rapid_z < RuleConfig().rapid_z < conservative.rapid_z
    assert set(OPERATING_POINTS) == {"conservative", "balanced", "early"}


def test_a_teams_own_override_goes_on_top_of_its_operating_point():
    config = RuleConfig().merged({"operating_point": "early", "drift_threshold": 20})
    assert config.drift_threshold == 20
    assert config.rapid_z == OPERATING_POINTS["early"]["rapid_z"]


def test_an_unknown_operating_point_is_refused_naming_the_choices():
    with pytest.raises(ValueError, match="conservative, balanced or early"):
        RuleConfig.from_dict({"operating_point": "eager"})


@pytest.mark.django_db
def test_the_admin_sets_a_teams_operating_point_and_its_patients_use_it(client, admin_user, team_a, team_b):
    client.force_login(admin_user)
    response = _admin_post(client, team_a, operating_point="early", rule_overrides='{"red_flag_severity": "high"}')
    assert response.status_code == 302
    team_a.refresh_from_db()
    assert team_a.rule_overrides == {"red_flag_severity": "high", "operating_point": "early"}
    assert rule_config_for_team(team_a).operating_point == "early"
    assert rule_config_for_team(team_a).drift_threshold == OPERATING_POINTS["early"]["drift_threshold"]
    assert rule_config_for_team(team_b) == RuleConfig()
    page = client.get(reverse("admin:patients_careteam_change", args=[team_a.pk]))
    assert '<option value="early" selected>' in page.content.decode()

    _admin_post(client, team_a, operating_point="")  # back to the site default
    team_a.refresh_from_db()
    assert "operating_point" not in team_a.rule_overrides


@pytest.mark.django_db
def test_a_bad_override_in_the_admin_is_a_form_error_and_nothing_is_saved(client, admin_user, team_a):
    client.force_login(admin_user)
    response = _admin_post(client, team_a, rule_overrides='{"mcid": "two"}')
    assert response.status_code == 200
    assert "mcid must be a number" in response.content.decode()
    team_a.refresh_from_db()
    assert team_a.rule_overrides == {}


@pytest.mark.django_db
def test_the_early_point_alerts_on_a_drift_that_the_conservative_point_does_not_yet(patient):
    # 12 check-ins at exactly the MCID below baseline.
    seed(patient, [(14, GOOD), (12, FAIR)])
    team = patient.care_team
    team.rule_overrides = {"operating_point": "conservative"}
    team.save()
    evaluate_patients([patient.pk])
    assert "drift" not in {a.rule for a in alerts(patient)}
    team.rule_overrides = {"operating_point": "early"}
    team.save()
    evaluate_patients([patient.pk], rebuild=True)
    assert "drift" in {a.rule for a in alerts(patient)}

"""The care team's alerts: list, acknowledge, resolve."""

import pytest
from django.urls import reverse

from notifications.models import Alert, AlertEvent


@pytest.fixture
def nurse_api(clinician, api_client_for):
    return api_client_for(clinician)


def _alert(patient, severity, rule, status="open"):
    return Alert.objects.create(
        patient=patient, rule=rule, severity=severity, status=status, date=patient.local_today(), evidence="e"
    )


@pytest.fixture
def alerts(patient, other_patient, team_b_patient):
    return {
        "urgent": _alert(patient, "urgent", "red_flag"),
        "moderate": _alert(other_patient, "moderate", "drift"),
        "resolved": _alert(patient, "high", "sustained_decline", status="resolved"),
        "team_b": _alert(team_b_patient, "urgent", "red_flag"),
    }


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_the_list_shows_my_teams_unresolved_alerts_most_severe_first(alerts, nurse_api):
    assert ids(nurse_api.get(reverse("api-alerts"))) == [alerts["urgent"].pk, alerts["moderate"].pk]


def test_the_list_filters_by_status_and_severity(alerts, nurse_api):
    assert ids(nurse_api.get(reverse("api-alerts"), {"status": "resolved"})) == [alerts["resolved"].pk]
    assert len(ids(nurse_api.get(reverse("api-alerts"), {"status": "all"}))) == 3
    assert ids(nurse_api.get(reverse("api-alerts"), {"severity": "moderate"})) == [alerts["moderate"].pk]


@pytest.mark.parametrize("params,field", [({"status": "closed"}, "status"), ({"severity": "mild"}, "severity")])
def test_a_bad_filter_is_named(alerts, nurse_api, params, field):
    response = nurse_api.get(reverse("api-alerts"), params)
    assert response.status_code == 400 and list(response.json()) == [field]


def test_acknowledging_records_who_and_is_idempotent(alerts, clinician, nurse_api):
    url = reverse("api-alert-acknowledge", kwargs={"pk": alerts["urgent"].pk})
    first, again = nurse_api.post(url), nurse_api.post(url)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["status"] == "acknowledged" and first.json()["acknowledged_by"] == clinician.pk
    assert AlertEvent.objects.filter(alert=alerts["urgent"], kind="acknowledged").count() == 1


def test_resolving_stores_the_outcome_and_note(alerts, nurse_api):
    url = reverse("api-alert-resolve", kwargs={"pk": alerts["moderate"].pk})
    response = nurse_api.post(url, {"outcome": "visit_booked", "note": "Seen Friday"}, format="json")
    assert response.status_code == 200
    alerts["moderate"].refresh_from_db()
    assert (alerts["moderate"].status, alerts["moderate"].outcome, alerts["moderate"].resolution_note) == (
        "resolved",
        "visit_booked",
        "Seen Friday",
    )


@pytest.mark.parametrize(
    "body,field",
    [({}, "outcome"), ({"outcome": "cured"}, "outcome"), ({"outcome": "other", "note": "x" * 2001}, "note")],
)
def test_a_bad_resolution_is_named_and_changes_nothing(alerts, nurse_api, body, field):
    response = nurse_api.post(reverse("api-alert-resolve", kwargs={"pk": alerts["urgent"].pk}), body, format="json")
    assert response.status_code == 400 and list(response.json()) == [field]
    alerts["urgent"].refresh_from_db()
    assert alerts["urgent"].status == "open"


def test_an_already_resolved_alert_cannot_be_resolved_or_acknowledged_again(alerts, nurse_api):
    pk = alerts["resolved"].pk
    resolve = nurse_api.post(reverse("api-alert-resolve", kwargs={"pk": pk}), {"outcome": "other"}, format="json")
    acknowledge = nurse_api.post(reverse("api-alert-acknowledge", kwargs={"pk": pk}))
    assert (resolve.status_code, acknowledge.status_code) == (400, 400)
    assert list(resolve.json()) == ["status"]


def test_another_teams_alert_is_not_found(alerts, nurse_api):
    response = nurse_api.post(reverse("api-alert-acknowledge", kwargs={"pk": alerts["team_b"].pk}))
    assert response.status_code == 404
    alerts["team_b"].refresh_from_db()
    assert alerts["team_b"].status == "open"

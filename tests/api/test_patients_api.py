"""The care team's patient endpoints: list by risk, one patient, check-ins, trends, re-baseline."""

from datetime import timedelta

import pytest
from django.urls import reverse

from notifications.models import Alert
from tests.conftest import add_history, make_patient
from tracker.models import Baseline


@pytest.fixture
def nurse_api(clinician, api_client_for):
    return api_client_for(clinician)


def _alert(patient, severity="urgent", rule="red_flag", **extra):
    return Alert.objects.create(
        patient=patient, rule=rule, severity=severity, date=patient.local_today(), evidence="evidence", **extra
    )


def test_the_list_puts_an_urgent_alert_first_then_the_rest_by_name(patient, other_patient, team_a, nurse_api):
    zed = make_patient(team_a, None, "Zed", "Zimmer")
    _alert(zed)
    rows = nurse_api.get(reverse("api-patients")).json()["results"]
    assert [r["last_name"] for r in rows][0] == "Zimmer"
    assert rows[0]["open_alerts"][0]["severity"] == "urgent"


def test_the_list_filters_by_name_status_and_team(patient, other_patient, team_a, nurse_api):
    _alert(other_patient, severity="high", rule="sustained_decline")
    url = reverse("api-patients")
    assert [r["last_name"] for r in nurse_api.get(url, {"q": "cox"}).json()["results"]] == ["Cox"]
    assert [r["last_name"] for r in nurse_api.get(url, {"status": "alerts"}).json()["results"]] == ["Cox"]
    assert nurse_api.get(url, {"team": team_a.pk + 1000}).json()["count"] == 0


@pytest.mark.parametrize(
    "params,field", [({"status": "dying"}, "status"), ({"team": "abc"}, "team"), ({"team": 10**30}, "team")]
)
def test_the_list_names_a_bad_filter(nurse_api, params, field):
    response = nurse_api.get(reverse("api-patients"), params)
    assert response.status_code == 400 and list(response.json()) == [field]


def test_the_list_costs_the_same_queries_for_three_or_thirty_patients(
    team_a, clinician, nurse_api, django_assert_max_num_queries
):
    for i in range(3):
        add_history(make_patient(team_a, None, f"P{i}", f"Few{i}"), days=10)
    with django_assert_max_num_queries(12) as few:
        nurse_api.get(reverse("api-patients"))
    for i in range(27):
        add_history(make_patient(team_a, None, f"Q{i}", f"Many{i}"), days=10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert nurse_api.get(reverse("api-patients")).json()["count"] == 30


def test_one_patient_shows_baseline_and_latest_totals(patient, nurse_api):
    add_history(patient, {0: (5, 7, 3, 3), 1: (3, 5, 2, 2)}, start=patient.local_today() - timedelta(days=1))
    Baseline.objects.create(
        patient=patient,
        method="manual",
        fine_motor=5,
        gait=7,
        sensation=3,
        bladder=3,
        total=18,
        effective_from=patient.local_today() - timedelta(days=30),
    )
    _alert(patient)
    body = nurse_api.get(reverse("api-patient", kwargs={"pk": patient.pk})).json()
    assert (body["baseline_total"], body["latest_total"], body["open_alerts"]) == (18.0, 12, 1)
    assert body["latest_checkin"]["date"] == patient.local_today().isoformat()
    assert body["baseline"]["method"] == "manual"


def test_a_patient_without_data_has_null_totals(patient, nurse_api):
    body = nurse_api.get(reverse("api-patient", kwargs={"pk": patient.pk})).json()
    assert body["baseline"] is None and body["latest_total"] is None and body["baseline_total"] is None


def test_check_ins_of_a_patient_filter_by_from_and_to(patient, nurse_api):
    add_history(patient, days=30)
    today = patient.local_today()
    params = {"from": (today - timedelta(days=9)).isoformat(), "to": (today - timedelta(days=5)).isoformat()}
    body = nurse_api.get(reverse("api-patient-checkins", kwargs={"pk": patient.pk}), params).json()
    assert body["count"] == 5
    assert [r["date"] for r in body["results"]][0] == params["from"]


@pytest.mark.parametrize(
    "params,field",
    [({"from": "2026-13-01"}, "from"), ({"to": "soon"}, "to"), ({"from": "2026-05-02", "to": "2026-05-01"}, "from")],
)
def test_a_bad_date_range_is_a_400_naming_the_parameter(patient, nurse_api, params, field):
    for name in ("api-patient-checkins", "api-patient-trends", "api-patient-export-csv", "api-patient-fhir"):
        response = nurse_api.get(reverse(name, kwargs={"pk": patient.pk}), params)
        assert response.status_code == 400, name
        assert list(response.json()) == [field], name


def test_trends_give_parallel_series_for_the_charts(patient, nurse_api):
    add_history(patient, days=12)
    body = nurse_api.get(reverse("api-patient-trends", kwargs={"pk": patient.pk})).json()
    assert len(body["dates"]) == 12
    assert all(len(body["series"][k]) == 12 for k in ("fine_motor", "gait", "sensation", "bladder", "total"))
    assert body["series"]["total"][0] == 15


def test_a_clinician_re_baselines_from_a_date(patient, clinician, nurse_api):
    add_history(patient, days=20)
    start = patient.local_today() - timedelta(days=10)
    response = nurse_api.post(
        reverse("api-patient-baseline", kwargs={"pk": patient.pk}),
        {"from_date": start.isoformat(), "reason": "After surgery"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    baseline = Baseline.objects.get(patient=patient)
    assert (baseline.set_by, baseline.effective_from, baseline.total, baseline.reason) == (
        clinician,
        start,
        15.0,
        "After surgery",
    )


@pytest.mark.parametrize("body", [{}, {"from_date": "tomorrow"}, {"from_date": "2026-01-01"}, {"from_date": None}])
def test_a_re_baseline_without_a_usable_date_names_from_date(patient, nurse_api, body):
    response = nurse_api.post(reverse("api-patient-baseline", kwargs={"pk": patient.pk}), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["from_date"]
    assert not Baseline.objects.exists()


def test_a_re_baseline_in_the_future_names_from_date(patient, nurse_api):
    tomorrow = (patient.local_today() + timedelta(days=1)).isoformat()
    response = nurse_api.post(
        reverse("api-patient-baseline", kwargs={"pk": patient.pk}), {"from_date": tomorrow}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["from_date"]

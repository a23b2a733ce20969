"""GET /patients/{id}/export.csv and /patients/{id}/fhir/."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from fhir.resources.bundle import Bundle as R5Bundle
from fhir.resources.R4B.bundle import Bundle as R4BBundle

from clinic.exports import CSV_COLUMNS
from clinic.fhir import CODE_SYSTEM, QUESTIONNAIRE
from tests.conftest import add_history
from tracker.models import CheckIn


@pytest.fixture
def history(patient):
    rows = add_history(patient, {0: (4, 6, 2, 3), 1: (3, 5, 1, 2)}, start=patient.local_today() - timedelta(days=1))
    CheckIn.objects.filter(pk=rows[1].pk).update(
        rf_weakness=True, red_flag=True, numbness=6, numbness_locations=["hands", "feet"], note="=HYPERLINK(1)"
    )
    return list(CheckIn.objects.filter(patient=patient).order_by("date"))


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_one_row_per_check_in_with_every_answer(patient, history, clinician, api_client_for):
    response = api_client_for(clinician).get(reverse("api-patient-export-csv", kwargs={"pk": patient.pk}))
    assert f'filename="myelotrack-patient-{patient.pk}-checkins.csv"' in response["Content-Disposition"]
    assert response.content.decode().splitlines()[0] == ",".join(CSV_COLUMNS)
    first, second = _csv(response)
    assert (first["date"], first["total"], first["severity"], first["red_flag"], first["numbness"]) == (
        history[0].date.isoformat(),
        "15",
        "mild",
        "0",
        "",
    )
    assert (second["gait"], second["total"], second["severity"], second["rf_weakness"], second["red_flag"]) == (
        "5",
        "11",
        "severe",
        "1",
        "1",
    )
    assert second["numbness_locations"] == "hands;feet"


def test_the_csv_defuses_a_note_a_spreadsheet_would_run_as_a_formula(patient, history, api_client_for):
    rows = _csv(api_client_for(patient.user).get(reverse("api-patient-export-csv", kwargs={"pk": patient.pk})))
    assert rows[1]["note"] == "'=HYPERLINK(1)"


def test_the_csv_honours_from_and_to(patient, history, api_client_for):
    today = patient.local_today().isoformat()
    rows = _csv(
        api_client_for(patient.user).get(reverse("api-patient-export-csv", kwargs={"pk": patient.pk}), {"from": today})
    )
    assert [r["date"] for r in rows] == [today]


@pytest.fixture
def bundle(patient, history, clinician, api_client_for):
    response = api_client_for(clinician).get(reverse("api-patient-fhir", kwargs={"pk": patient.pk}))
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("model", [R4BBundle, R5Bundle], ids=["R4B", "R5"])
def test_the_fhir_bundle_validates_with_fhir_resources(bundle, model):
    parsed = model.model_validate(bundle)
    assert parsed.type == "searchset"
    assert len(parsed.entry) == 1 + 2 * (1 + 5)


def _resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_observations_carry_each_domain_and_the_total_as_integers_on_the_day(bundle, history):
    observations = _resources(bundle, "Observation")
    patient_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    by_day_code = {(o["effectiveDateTime"], o["code"]["coding"][0]["code"]): o for o in observations}
    second = history[1]
    for code in ("fine_motor", "gait", "sensation", "bladder", "total"):
        obs = by_day_code[(second.date.isoformat(), code)]
        assert obs["valueInteger"] == getattr(second, code)
        assert obs["status"] == "final"
        assert obs["code"]["coding"][0]["system"] == CODE_SYSTEM
        assert obs["code"]["coding"][0]["display"]
        assert obs["subject"]["reference"] == patient_url


def test_a_questionnaire_response_holds_every_answer_of_a_check_in(bundle, history):
    responses = _resources(bundle, "QuestionnaireResponse")
    assert len(responses) == 2
    items = {item["linkId"]: item["answer"] for item in responses[1]["item"]}
    assert responses[1]["questionnaire"] == QUESTIONNAIRE
    assert items["gait"] == [{"valueInteger": 5}]
    assert items["rf_weakness"] == [{"valueBoolean": True}]
    assert [a["valueCoding"]["code"] for a in items["numbness_locations"]] == ["hands", "feet"]
    assert items["note"] == [{"valueString": "=HYPERLINK(1)"}]


def test_the_patient_resource_and_identifiers_are_stable_between_exports(patient, bundle, clinician, api_client_for):
    again = api_client_for(clinician).get(reverse("api-patient-fhir", kwargs={"pk": patient.pk})).json()
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]
    (person,) = _resources(bundle, "Patient")
    assert person["name"] == [{"family": "Lovelace", "given": ["Ada"]}]
    assert person["birthDate"] == "1958-03-14"

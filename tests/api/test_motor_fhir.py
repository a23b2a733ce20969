"""The phone tests in the FHIR whole-record download: Observations with our code system and UCUM units."""

import json
import uuid

import pytest
from django.urls import reverse
from fhir.resources.bundle import Bundle as R5Bundle
from fhir.resources.R4B.bundle import Bundle as R4BBundle

from clinic.fhir import MOTOR_CODE_SYSTEM, UCUM
from motor.services import motor_test_record
from tests.conftest import add_history
from tests.motor.conftest import tap_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def everything(patient, clinician, api_client_for):
    add_history(patient, days=2)
    motor_test_record(patient=patient, payload=tap_payload(30, side="left"))
    motor_test_record(
        patient=patient,
        payload={
            "client_id": str(uuid.uuid4()),
            "kind": "walk",
            "input_method": "buttons",
            "duration_ms": 8000,
            "steps": 14,
        },
    )
    motor_test_record(patient=patient, payload={"client_id": str(uuid.uuid4()), "kind": "step", "could_not_do": True})
    response = api_client_for(clinician).get(reverse("api-patient-fhir", kwargs={"pk": patient.pk}), {"_count": "all"})
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


def _motor(bundle):
    return {
        e["resource"]["code"]["coding"][0]["code"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["system"] == MOTOR_CODE_SYSTEM
    }


@pytest.mark.parametrize("model", [R4BBundle, R5Bundle], ids=["R4B", "R5"])
def test_the_bundle_with_phone_tests_validates_with_fhir_resources(everything, model):
    model.model_validate(everything)
    assert set(_motor(everything)) == {"tap-test-left", "timed-walk", "step-test"}


def test_a_tap_try_is_a_quantity_of_taps_with_its_misses_and_rhythm(everything):
    tap = _motor(everything)["tap-test-left"]
    assert tap["valueQuantity"] == {"value": 30, "unit": "{taps}", "system": UCUM, "code": "{taps}"}
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in tap["component"]}
    assert components["misses"]["value"] == 0 and components["rhythm-cv"]["code"] == "1"
    assert tap["note"][0]["text"].startswith("Practice try")


def test_a_walk_is_a_speed_in_metres_per_second_with_cadence(everything):
    walk = _motor(everything)["timed-walk"]
    assert walk["valueQuantity"]["value"] == 1.25 and walk["valueQuantity"]["code"] == "m/s"
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in walk["component"]}
    assert components["cadence"] == {"value": 105.0, "unit": "{steps}/min", "system": UCUM, "code": "{steps}/min"}
    assert "misses" not in components


def test_could_not_do_it_is_a_data_absent_reason(everything):
    step = _motor(everything)["step-test"]
    assert "valueQuantity" not in step
    assert step["dataAbsentReason"]["coding"][0]["code"] == "not-performed"

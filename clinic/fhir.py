"""A patient's check-ins as a FHIR R4 Bundle, as a plain dict or streamed JSON.

Three shapes: patient_bundle (type "collection", everything at once, kept for
callers that want a dict), patient_searchset (type "searchset", one page of
check-ins with `self`/`next` links) and stream_everything (the whole record as
JSON text in chunks, for the Patient-level $everything-style download).

Mapping (docs/api.md has the table):
- Patient: name, birth date, our id as an identifier, the care team as the
  managing organisation (display only).
- Observation, one per check-in and mJOA domain plus the total: status
  final, category survey, code from our own code system CODE_SYSTEM
  (fine_motor, gait, sensation, bladder, total, each with a display text),
  valueInteger, effectiveDateTime = the patient's local day of the
  check-in, subject = the Patient, derivedFrom = the QuestionnaireResponse.
- Observation, one per phone test try (tap test each hand, step test, timed
  walk): category exam, code from MOTOR_CODE_SYSTEM, valueQuantity in UCUM
  ({taps}, {steps}, m/s) with components (misses, rhythm CV, fatigue,
  duration, distance, steps, cadence); "could not do it" as dataAbsentReason
  not-performed. In the whole-record download and patient_bundle.
- QuestionnaireResponse, one per check-in: every answer as an item whose
  linkId is the answer's field name (domains and ratings valueInteger, red
  flags valueBoolean, numbness locations valueCoding, the note valueString).

Resources are linked with urn:uuid fullUrls derived from our ids (uuid5), so
exporting twice gives the same identifiers and an importer can de-duplicate.
No framework here: give it a patient and their check-ins.
"""

import json
import uuid
from collections.abc import Iterable, Iterator

from django.utils import timezone

from detection.scales import DOMAINS, NUMBNESS_LOCATIONS, RED_FLAGS

BASE = "https://myelotrack.org/fhir"
CODE_SYSTEM = f"{BASE}/CodeSystem/mjoa-domain"
MOTOR_CODE_SYSTEM = f"{BASE}/CodeSystem/motor-test"
LOCATION_SYSTEM = f"{BASE}/CodeSystem/numbness-location"
PATIENT_ID_SYSTEM = f"{BASE}/NamingSystem/patient-id"
QUESTIONNAIRE = f"{BASE}/Questionnaire/daily-checkin"
SURVEY = {
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "survey",
    "display": "Survey",
}
CODE_DISPLAY = {
    "fine_motor": "mJOA upper-extremity motor subscore (hands), 0-5",
    "gait": "mJOA lower-extremity motor subscore (walking), 0-7",
    "sensation": "mJOA upper-extremity sensation subscore, 0-3",
    "bladder": "mJOA urinary function subscore, 0-3",
    "total": "mJOA total score (Benzel 18-point), 0-18",
}
OBSERVATION_CODES = tuple(CODE_DISPLAY)
UCUM = "http://unitsofmeasure.org"
EXAM = {
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "exam",
    "display": "Exam",
}
# The phone tests (motor app): measure -> (code, display, UCUM unit of the value).
MOTOR_CODES = {
    "tap_right": ("tap-test-right", "Phone tap test, right hand: valid alternations in 10 s", "{taps}"),
    "tap_left": ("tap-test-left", "Phone tap test, left hand: valid alternations in 10 s", "{taps}"),
    "step": ("step-test", "Phone step test: steps on the spot in 10 s", "{steps}"),
    "walk": ("timed-walk", "Phone timed walk: walking speed over a set distance", "m/s"),
}
# Component code -> (display, UCUM unit, attribute of the try).
MOTOR_COMPONENTS = {
    "misses": ("Missed taps (outside the targets or the same target twice)", "{taps}", "misses"),
    "rhythm-cv": ("Rhythm: coefficient of variation of the tap intervals", "1", "rhythm_cv"),
    "fatigue": ("Fatigue: tap rate in the last third over the first third", "1", "fatigue"),
    "duration": ("Duration", "s", "duration_s"),
    "distance": ("Distance walked", "m", "distance_m"),
    "steps": ("Steps counted", "{steps}", "steps"),
    "cadence": ("Cadence", "{steps}/min", "cadence"),
}
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)
_LOCATION_LABEL = dict(NUMBNESS_LOCATIONS)


def _urn(*parts) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(str(p) for p in parts))}"


def _instant(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def patient_resource(patient) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": f"patient-{patient.pk}",
        "identifier": [{"system": PATIENT_ID_SYSTEM, "value": str(patient.pk)}],
        "name": [{"family": patient.last_name, "given": [patient.first_name]}],
        "birthDate": patient.date_of_birth.isoformat(),
    }
    if getattr(patient, "care_team", None) is not None:
        resource["managingOrganization"] = {"display": patient.care_team.name}
    return resource


def observation_resources(checkin, patient_urn: str, response_urn: str) -> list[tuple[str, dict]]:
    out = []
    for code in OBSERVATION_CODES:
        resource = {
            "resourceType": "Observation",
            "id": f"checkin-{checkin.pk}-{code.replace('_', '-')}",
            "status": "final",
            "category": [{"coding": [SURVEY]}],
            "code": {"coding": [{"system": CODE_SYSTEM, "code": code, "display": CODE_DISPLAY[code]}]},
            "subject": {"reference": patient_urn},
            "effectiveDateTime": checkin.date.isoformat(),
            "valueInteger": int(getattr(checkin, code)),
            "derivedFrom": [{"reference": response_urn}],
        }
        if checkin.updated_at:
            resource["issued"] = _instant(checkin.updated_at)
        out.append((_urn("checkin", checkin.pk, code), resource))
    return out


def _quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def motor_observation(row, patient_urn: str) -> tuple[str, dict]:
    """One try of a phone test (motor.models.MotorTest) as an Observation with UCUM units.

    "Could not do it" has no value but a dataAbsentReason (not-performed);
    practice tries say so in a note (they do not form the baseline).
    """
    code, display, unit = MOTOR_CODES[row.measure]
    resource = {
        "resourceType": "Observation",
        "id": f"motor-{row.pk}",
        "status": "final",
        "category": [{"coding": [EXAM]}],
        "code": {"coding": [{"system": MOTOR_CODE_SYSTEM, "code": code, "display": display}]},
        "subject": {"reference": patient_urn},
        "effectiveDateTime": _instant(row.started_at),
    }
    if row.could_not_do:
        resource["dataAbsentReason"] = {
            "coding": [{"system": DATA_ABSENT, "code": "not-performed"}],
            "text": "Could not do it today",
        }
    else:
        resource["valueQuantity"] = _quantity(row.value, unit)
        components = []
        for ccode, (cdisplay, cunit, attr) in MOTOR_COMPONENTS.items():
            value = getattr(row, attr)
            if value is None or (row.kind == "walk" and attr in ("misses", "rhythm_cv", "fatigue")):
                continue
            components.append(
                {
                    "code": {"coding": [{"system": MOTOR_CODE_SYSTEM, "code": ccode, "display": cdisplay}]},
                    "valueQuantity": _quantity(value, cunit),
                }
            )
        if components:
            resource["component"] = components
    if row.input_method:
        resource["method"] = {"text": row.get_input_method_display()}
    if row.device:
        resource["device"] = {"display": row.device}
    if row.practice:
        resource["note"] = [{"text": "Practice try: not part of the baseline."}]
    if row.recorded_at:
        resource["issued"] = _instant(row.recorded_at)
    return _urn("motor", row.pk), resource


def _motor_entries(motor_tests: Iterable, patient_urn: str) -> list[dict]:
    return [{"fullUrl": urn, "resource": obs} for urn, obs in (motor_observation(r, patient_urn) for r in motor_tests)]


def _item(link_id: str, text: str, answers: list[dict]) -> dict:
    item = {"linkId": link_id, "text": text}
    if answers:
        item["answer"] = answers
    return item


def questionnaire_response(checkin, patient_urn: str) -> dict:
    items = [_item(d.key, d.question, [{"valueInteger": int(getattr(checkin, d.key))}]) for d in DOMAINS]
    items += [_item(f.key, f.question, [{"valueBoolean": bool(getattr(checkin, f.key))}]) for f in RED_FLAGS]
    for key, text in (("numbness", "Numbness, 0 (none) to 10"), ("neck_pain", "Neck pain, 0 (none) to 10")):
        value = getattr(checkin, key)
        if value is not None:
            items.append(_item(key, text, [{"valueInteger": int(value)}]))
    locations = [
        {"valueCoding": {"system": LOCATION_SYSTEM, "code": code, "display": _LOCATION_LABEL.get(code, code)}}
        for code in checkin.numbness_locations or []
    ]
    if locations:
        items.append(_item("numbness_locations", "Where is the numbness felt?", locations))
    if checkin.note:
        items.append(_item("note", "Anything else to tell your care team?", [{"valueString": checkin.note}]))
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": f"checkin-{checkin.pk}",
        "questionnaire": QUESTIONNAIRE,
        "status": "completed",
        "subject": {"reference": patient_urn},
        "item": items,
    }
    if checkin.created_at:
        resource["authored"] = _instant(checkin.created_at)
    # Who typed the answers: the patient themself, or a caregiver or clinician on their behalf.
    who = checkin.entered_by_description
    resource["author"] = {"reference": patient_urn} if who == "Patient" else {"display": who}
    resource["source"] = {"reference": patient_urn} if who == "Patient" else {"display": who}
    return resource


def _checkin_entries(checkin, patient_urn: str, *, search: bool = False) -> list[dict]:
    """The QuestionnaireResponse of one check-in and its five Observations, as Bundle entries.

    In a searchset the check-in's QuestionnaireResponse is the match (what
    `_count` and `total` count); its Observations come along as includes.
    """
    response_urn = _urn("checkin", checkin.pk, "response")
    entries = [{"fullUrl": response_urn, "resource": questionnaire_response(checkin, patient_urn)}]
    if search:
        entries[0]["search"] = {"mode": "match"}
    for urn, obs in observation_resources(checkin, patient_urn, response_urn):
        entry = {"fullUrl": urn, "resource": obs}
        if search:
            entry["search"] = {"mode": "include"}
        entries.append(entry)
    return entries


def _patient_entry(patient, *, search: bool = False) -> dict:
    entry = {"fullUrl": _urn("patient", patient.pk), "resource": patient_resource(patient)}
    if search:
        entry["search"] = {"mode": "include"}
    return entry


def patient_bundle(patient, checkins: Iterable, now=None, motor_tests: Iterable = ()) -> dict:
    """The Bundle for one patient and the given check-ins (oldest first is kept), then their phone tests."""
    patient_urn = _urn("patient", patient.pk)
    entries = [_patient_entry(patient)]
    for checkin in checkins:
        entries += _checkin_entries(checkin, patient_urn)
    entries += _motor_entries(motor_tests, patient_urn)
    return {
        "resourceType": "Bundle",
        "id": f"patient-{patient.pk}-export",
        "type": "collection",
        "timestamp": _instant(now or timezone.now()),
        "entry": entries,
    }


def patient_searchset(patient, checkins: Iterable, *, total: int, links: dict[str, str], now=None) -> dict:
    """One page of a patient's check-ins as a searchset Bundle.

    `total` is the number of check-ins matching (all pages); `links` maps a
    relation ("self", "next", "previous") to its URL. The Patient is included
    on every page so each page's references resolve on their own.
    """
    patient_urn = _urn("patient", patient.pk)
    entries = [_patient_entry(patient, search=True)]
    for checkin in checkins:
        entries += _checkin_entries(checkin, patient_urn, search=True)
    return {
        "resourceType": "Bundle",
        "id": f"patient-{patient.pk}-search",
        "type": "searchset",
        "timestamp": _instant(now or timezone.now()),
        "total": total,
        "link": [{"relation": relation, "url": url} for relation, url in links.items()],
        "entry": entries,
    }


def stream_everything(patient, checkins: Iterable, now=None, motor_tests: Iterable = ()) -> Iterator[str]:
    """The whole record as one collection Bundle, in JSON chunks of one check-in each.

    Memory stays flat however long the record: neither the list of entries
    nor the JSON text is ever built whole. The same JSON as patient_bundle.
    """
    patient_urn = _urn("patient", patient.pk)
    head = {
        "resourceType": "Bundle",
        "id": f"patient-{patient.pk}-everything",
        "type": "collection",
        "timestamp": _instant(now or timezone.now()),
    }
    yield json.dumps(head)[:-1] + ', "entry": [' + json.dumps(_patient_entry(patient))
    for checkin in checkins:
        yield "".join("," + json.dumps(entry) for entry in _checkin_entries(checkin, patient_urn))
    # The phone tests after the check-ins: a few hundred rows at most (weekly tests).
    yield "".join("," + json.dumps(entry) for entry in _motor_entries(motor_tests, patient_urn))
    yield "]}"

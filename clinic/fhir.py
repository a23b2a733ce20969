"""A patient's check-ins as a FHIR R4 Bundle (type "collection"), as a plain dict.

Mapping (docs/api.md has the table):
- Patient: name, birth date, our id as an identifier, the care team as the
  managing organisation (display only).
- Observation, one per check-in and mJOA domain plus the total: status
  final, category survey, code from our own code system CODE_SYSTEM
  (fine_motor, gait, sensation, bladder, total, each with a display text),
  valueInteger, effectiveDateTime = the patient's local day of the
  check-in, subject = the Patient, derivedFrom = the QuestionnaireResponse.
- QuestionnaireResponse, one per check-in: every answer as an item whose
  linkId is the answer's field name (domains and ratings valueInteger, red
  flags valueBoolean, numbness locations valueCoding, the note valueString).

Resources are linked with urn:uuid fullUrls derived from our ids (uuid5), so
exporting twice gives the same identifiers and an importer can de-duplicate.
No framework here: give it a patient and their check-ins.
"""

import uuid
from collections.abc import Iterable

from django.utils import timezone

from detection.scales import DOMAINS, NUMBNESS_LOCATIONS, RED_FLAGS

BASE = "https://myelotrack.org/fhir"
CODE_SYSTEM = f"{BASE}/CodeSystem/mjoa-domain"
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


def patient_bundle(patient, checkins: Iterable, now=None) -> dict:
    """The Bundle for one patient and the given check-ins (oldest first is kept)."""
    patient_urn = _urn("patient", patient.pk)
    entries = [{"fullUrl": patient_urn, "resource": patient_resource(patient)}]
    for checkin in checkins:
        response_urn = _urn("checkin", checkin.pk, "response")
        entries.append({"fullUrl": response_urn, "resource": questionnaire_response(checkin, patient_urn)})
        entries += [
            {"fullUrl": urn, "resource": obs} for urn, obs in observation_resources(checkin, patient_urn, response_urn)
        ]
    return {
        "resourceType": "Bundle",
        "id": f"patient-{patient.pk}-export",
        "type": "collection",
        "timestamp": _instant(now or timezone.now()),
        "entry": entries,
    }

"""POST/GET /api/v1/checkins/: a patient's own check-ins."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Alert
from tests.conftest import GOOD_ANSWERS, add_history
from tracker.api.serializers import CheckInSerializer, CheckInWriteSerializer
from tracker.models import CheckIn, CheckInRevision
from tracker.services import ANSWER_FIELDS

URL = "/api/v1/checkins/"


@pytest.fixture
def patient_api(patient, api_client_for):
    return api_client_for(patient.user)


def test_the_url_name_and_path_agree():
    assert reverse("api-checkins") == URL


def test_the_write_serializer_accepts_exactly_the_services_answer_fields():
    assert set(CheckInWriteSerializer().fields) == {*ANSWER_FIELDS, "date"}


def test_write_serializers_built_from_fields_made_once_each_validate_only_their_own_body():
    # Their fields are shallow copies of one set per class (tracker.api.serializers.FieldsOnceMixin):
    # one body's errors or values must never show in another's.
    bad = CheckInWriteSerializer(
        data={**GOOD_ANSWERS, "gait": 99, "numbness_locations": ["hands", "elbows"], "rf_weakness": "maybe"}
    )
    good = CheckInWriteSerializer(data={**GOOD_ANSWERS, "numbness_locations": ["feet"], "rf_weakness": True})
    assert not bad.is_valid()
    assert good.is_valid(), good.errors
    assert set(bad.errors) == {"gait", "numbness_locations", "rf_weakness"}
    assert list(bad.errors["numbness_locations"]) == [1]  # the second item, by its index
    assert good.validated_data["numbness_locations"] == ["feet"] and good.validated_data["rf_weakness"] is True
    assert good.validated_data["gait"] == GOOD_ANSWERS["gait"]
    again = CheckInWriteSerializer(data={**GOOD_ANSWERS, "gait": 99})
    assert not again.is_valid() and set(again.errors) == {"gait"}
    assert bad.fields["gait"] is not good.fields["gait"]
    assert bad.fields["gait"].parent is bad and good.fields["gait"].parent is good


@pytest.mark.parametrize("serializer", [CheckInWriteSerializer, CheckInSerializer])
def test_each_serializers_fields_are_copied_as_copy_copy_would(serializer):
    # FieldsOnceMixin copies a field's attributes itself instead of calling copy.copy: the same
    # only while no field class keeps its state in slots or copies itself its own way.
    import copy

    from core.copying import shallow_copy

    bound = serializer().fields
    for name, original in serializer()._fields_once.items():
        assert not hasattr(type(original), "__slots__") and not hasattr(type(original), "__copy__"), name
        clone = shallow_copy(original)
        assert type(clone) is type(original) and clone is not original and clone.__dict__ is not original.__dict__
        assert clone.__dict__ == copy.copy(original).__dict__, name
        assert type(bound[name]) is type(original) and bound[name] is not original


def test_it_dates_a_check_in_by_the_patients_own_today(patient, patient_api):
    # One of these two zones is on another calendar day than UTC at any moment.
    utc_today = timezone.now().date()
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        patient.timezone = zone
        if patient.local_today() != utc_today:
            break
    patient.save()
    response = patient_api.post(URL, GOOD_ANSWERS, format="json")
    assert response.status_code == 201
    assert response.json()["date"] == patient.local_today().isoformat() != utc_today.isoformat()
    assert response.json()["total"] == 15 and response.json()["severity"] == "mild"


def test_a_second_check_in_for_the_same_day_updates_it_and_keeps_the_old_answers(patient, patient_api):
    first = patient_api.post(URL, GOOD_ANSWERS, format="json")
    second = patient_api.post(URL, {**GOOD_ANSWERS, "gait": 3, "note": "Worse today"}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    checkin = CheckIn.objects.get(patient=patient)
    assert (checkin.gait, checkin.note) == (3, "Worse today")
    assert CheckInRevision.objects.get(checkin=checkin).answers["gait"] == 6


def test_a_past_date_can_be_filled_in_but_not_a_future_one(patient, patient_api):
    yesterday = patient.local_today() - timedelta(days=1)
    assert patient_api.post(URL, {**GOOD_ANSWERS, "date": yesterday.isoformat()}, format="json").status_code == 201
    tomorrow = (patient.local_today() + timedelta(days=1)).isoformat()
    response = patient_api.post(URL, {**GOOD_ANSWERS, "date": tomorrow}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["date"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"gait": 8}, "gait"),
        ({"fine_motor": -1}, "fine_motor"),
        ({"sensation": "abc"}, "sensation"),
        ({"bladder": 10**40}, "bladder"),
        ({"bladder": 2.5}, "bladder"),
        ({"numbness": 11}, "numbness"),
        ({"numbness_locations": ["knees"]}, "numbness_locations"),
        ({"numbness_locations": "hands"}, "numbness_locations"),
        ({"rf_weakness": "perhaps"}, "rf_weakness"),
        ({"note": "x" * 2001}, "note"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": 20260101}, "date"),
        ({"mood": 3}, "mood"),
        ({"gait": None}, "gait"),
    ],
)
def test_it_refuses_a_bad_answer_naming_the_field_and_saves_nothing(patient_api, change, field):
    response = patient_api.post(URL, {**GOOD_ANSWERS, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert all(isinstance(m, str) for m in response.json()[field])
    assert not CheckIn.objects.exists()


def test_a_missing_score_is_named(patient_api):
    response = patient_api.post(URL, {"gait": 6, "sensation": 2, "bladder": 3}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["fine_motor"]


@pytest.mark.parametrize("raw", ['{"gait": ', "[1, 2]", "null", '"text"', "\x00\xff"])
def test_a_body_that_is_not_a_json_object_is_a_400(patient_api, raw):
    response = patient_api.generic("POST", URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not CheckIn.objects.exists()


def test_a_form_encoded_body_is_refused_as_unsupported(patient_api):
    response = patient_api.post(URL, GOOD_ANSWERS)
    assert response.status_code == 415


def test_a_red_flag_answer_opens_an_urgent_alert_at_once(patient, patient_api):
    response = patient_api.post(URL, {**GOOD_ANSWERS, "rf_bladder_bowel": True}, format="json")
    assert response.json()["red_flag"] is True
    assert Alert.objects.get(patient=patient).severity == "urgent"


def test_a_clinician_has_no_own_check_ins(clinician, api_client_for):
    response = api_client_for(clinician).post(URL, GOOD_ANSWERS, format="json")
    assert response.status_code == 403
    assert "patients" in response.json()["detail"].lower()


def test_the_list_is_the_patients_own_newest_first_and_paginated(patient, other_patient, patient_api):
    add_history(patient, days=60)
    add_history(other_patient, days=5)
    body = patient_api.get(URL).json()
    assert body["count"] == 60 and len(body["results"]) == 50 and body["next"]
    assert {row["patient"] for row in body["results"]} == {patient.pk}
    dates = [row["date"] for row in body["results"]]
    assert dates == sorted(dates, reverse=True)
    assert len(patient_api.get(body["next"]).json()["results"]) == 10


def test_the_list_filters_by_dates_and_names_a_bad_one(patient, patient_api):
    add_history(patient, days=10)
    start = (patient.local_today() - timedelta(days=2)).isoformat()
    assert patient_api.get(URL, {"from": start}).json()["count"] == 2
    response = patient_api.get(URL, {"to": "yesterday"})
    assert response.status_code == 400 and list(response.json()) == ["to"]


def test_the_response_is_json_serialisable_as_stored(patient_api):
    body = patient_api.post(
        URL, {**GOOD_ANSWERS, "numbness": 4, "numbness_locations": ["feet", "hands"]}, format="json"
    ).json()
    assert json.loads(json.dumps(body))["numbness_locations"] == ["feet", "hands"]


def test_a_stored_check_ins_answer_is_what_drfs_field_by_field_walk_gives(patient, clinician):
    # CheckInSerializer writes its answer out by hand for speed; DRF's generic walk over the declared
    # fields is the reference, for every kind of value a stored check-in can hold.
    from rest_framework import serializers

    from tests.conftest import make_user
    from tracker.api.serializers import _CHECKIN_FIELDS_MATCH

    assert _CHECKIN_FIELDS_MATCH, "Meta.fields changed: write the new field into to_representation too"
    caregiver = make_user("carer.walk", "caregiver", first_name="Ann", last_name="Walker")
    today = patient.local_today()
    rows = [
        CheckIn(patient=patient, date=today, **GOOD_ANSWERS),
        CheckIn(
            patient=patient,
            date=today - timedelta(days=1),
            **{**GOOD_ANSWERS, "gait": 2, "rf_weakness": True, "numbness": 7, "neck_pain": 0},
            numbness_locations=["feet", "hands"],
            note="Dropped a cup; ünïcode — and a line\nbreak",
            entered_by=caregiver,
        ),
        CheckIn(
            patient=patient,
            date=today - timedelta(days=2),
            **{**GOOD_ANSWERS, "fine_motor": 0, "gait": 0, "sensation": 0, "bladder": 0},
            entered_by=clinician,
        ),
        CheckIn(patient=patient, date=today - timedelta(days=3), **GOOD_ANSWERS, entered_by=patient.user),
    ]
    for row in rows:
        row.compute_derived()
        row.save()
    walk = serializers.ModelSerializer.to_representation
    stored = CheckIn.objects.select_related("patient", "entered_by").order_by("-date")
    assert len(stored) == 4
    for checkin in stored:
        serializer = CheckInSerializer(checkin)
        fast, reference = serializer.data, walk(serializer, checkin)
        assert list(fast) == list(reference) == CheckInSerializer.Meta.fields
        for key in reference:
            assert fast[key] == reference[key] and type(fast[key]) is type(reference[key]), key
    assert {row["entered_by"] for row in CheckInSerializer(stored, many=True).data} == {
        "Patient",
        "Caregiver (Ann Walker)",
        f"Care team ({clinician.get_full_name() or clinician.username})",
    }

"""motor_test_record: the server scores what the page recorded, refuses bad payloads whole, and a retry stores once."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from motor.models import MotorSettings, MotorTest
from motor.services import motor_test_record
from tests.motor.conftest import tap_payload, taps

pytestmark = pytest.mark.django_db


def test_a_tap_try_is_scored_from_its_events_not_from_the_client(patient):
    payload = tap_payload(34)
    payload["events"].insert(5, {"t": payload["events"][4]["t"] + 20, "target": "b", "pointer": 2})  # a second finger
    row, created = motor_test_record(
        patient=patient, payload=payload, entered_by=patient.user, user_agent="x Android Mobile Chrome/120"
    )
    assert created
    assert (row.count, row.misses, row.measure, row.value) == (34, 0, "tap_right", 34)
    assert row.raw["merged"] == 1
    assert row.rhythm_cv == 0.0 and row.fatigue == pytest.approx(11 / 12, abs=0.01)
    assert row.device == "Android phone, Chrome"
    assert row.date == patient.local_today()


def test_a_count_sent_by_the_client_is_refused_by_name(patient):
    with pytest.raises(ValidationError) as e:
        motor_test_record(patient=patient, payload={**tap_payload(), "count": 99})
    assert "count" in e.value.message_dict
    assert not MotorTest.objects.exists()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"kind": "jump"}, "kind"),
        ({"side": ""}, "side"),
        ({"input_method": "sensor"}, "input_method"),
        ({"events": [{"t": 1, "target": "c"}]}, "events[0].target"),
        ({"events": "lots"}, "events"),
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2026-12-02T09:61:00Z"}, "started_at"),  # well formed, not a real time
        ({"started_at": "2026-02-30T09:00:00Z"}, "started_at"),
        ({"could_not_do": "yes"}, "could_not_do"),
    ],
)
def test_a_bad_tap_payload_names_the_field_and_saves_nothing(patient, change, field):
    with pytest.raises(ValidationError) as e:
        motor_test_record(patient=patient, payload={**tap_payload(), **change})
    assert field in e.value.message_dict, e.value.message_dict
    assert not MotorTest.objects.exists()


def test_a_try_in_the_future_or_too_old_is_refused(patient):
    for when in (timezone.now() + timedelta(hours=2), timezone.now() - timedelta(days=8)):
        with pytest.raises(ValidationError) as e:
            motor_test_record(patient=patient, payload=tap_payload(started_at=when.isoformat()))
        assert "started_at" in e.value.message_dict


def test_the_same_try_sent_twice_is_stored_once(patient):
    payload = tap_payload(20)
    first, created = motor_test_record(patient=patient, payload=payload)
    again, created_again = motor_test_record(patient=patient, payload=payload)
    assert created and not created_again and first.pk == again.pk
    assert MotorTest.objects.count() == 1


def test_a_walk_gets_speed_and_cadence_from_the_clinics_distance(patient):
    MotorSettings.objects.create(patient=patient, walk_distance_m=8, every_days=7)
    payload = {
        "client_id": str(uuid.uuid4()),
        "kind": "walk",
        "input_method": "buttons",
        "duration_ms": 6400,
        "steps": 12,
    }
    row, _ = motor_test_record(patient=patient, payload=payload)
    assert (row.distance_m, row.duration_s, row.speed_m_s, row.cadence) == (8.0, 6.4, 1.25, 112.5)
    assert row.measure == "walk" and row.value == 1.25


def test_a_walk_cannot_choose_its_own_distance(patient):
    payload = {
        "client_id": str(uuid.uuid4()),
        "kind": "walk",
        "input_method": "buttons",
        "duration_ms": 6400,
        "distance_m": 2,
    }
    with pytest.raises(ValidationError) as e:
        motor_test_record(patient=patient, payload=payload)
    assert "distance_m" in e.value.message_dict


def test_a_helper_typed_step_count_is_recorded_with_the_method(patient, caregiver):
    payload = {"client_id": str(uuid.uuid4()), "kind": "step", "input_method": "helper", "steps": 14}
    row, _ = motor_test_record(patient=patient, payload=payload, entered_by=caregiver)
    assert (row.steps, row.input_method, row.entered_by, row.side) == (14, "helper", caregiver, "")
    assert row.entered_by_description == "Caregiver (Tom)"


def test_a_sensor_step_count_is_counted_by_the_server(patient):
    import math

    samples = [[i * 1000 / 60, 0.1, 9.81 + 4 * math.sin(2 * math.pi * 1.8 * i / 60), 0.2] for i in range(600)]
    payload = {"client_id": str(uuid.uuid4()), "kind": "step", "input_method": "sensor", "samples": samples}
    row, _ = motor_test_record(patient=patient, payload=payload)
    assert row.steps == pytest.approx(18, abs=1)
    with pytest.raises(ValidationError) as e:
        motor_test_record(patient=patient, payload={**payload, "client_id": str(uuid.uuid4()), "steps": 40})
    assert "steps" in e.value.message_dict


def test_could_not_do_it_is_stored_without_results(patient):
    row, _ = motor_test_record(
        patient=patient, payload={"client_id": str(uuid.uuid4()), "kind": "walk", "could_not_do": True}
    )
    assert row.could_not_do and row.value is None and row.speed_m_s is None
    with pytest.raises(ValidationError) as e:
        motor_test_record(
            patient=patient,
            payload={
                "client_id": str(uuid.uuid4()),
                "kind": "tap",
                "side": "left",
                "could_not_do": True,
                "events": taps(3),
            },
        )
    assert "events" in e.value.message_dict


def test_tests_turned_off_by_the_care_team_are_refused(patient):
    MotorSettings.objects.create(patient=patient, enabled=False, walk_distance_m=10, every_days=7)
    with pytest.raises(ValidationError) as e:
        motor_test_record(patient=patient, payload=tap_payload())
    assert "kind" in e.value.message_dict

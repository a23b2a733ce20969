"""Writes about the phone tests: record a try (scored here, never by the page) and the care team's settings."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.services import audit_change
from detection.motor_scoring import (
    MotorPayloadError,
    count_steps_from_motion,
    parse_motion_samples,
    parse_tap_events,
    score_taps,
    score_walk,
    typed_step_count,
)
from motor.devices import device_summary
from motor.evaluation import evaluate_motor
from motor.models import MotorSettings, MotorTest
from patients.models import Patient

KEYS = {
    "client_id",
    "kind",
    "side",
    "started_at",
    "could_not_do",
    "input_method",
    "events",
    "samples",
    "steps",
    "duration_ms",
}
TAP_METHODS = {MotorTest.Method.TOUCH, MotorTest.Method.MOUSE, MotorTest.Method.PEN}
STEP_METHODS = {MotorTest.Method.SENSOR, MotorTest.Method.HELPER}
WALK_METHODS = {MotorTest.Method.BUTTONS, MotorTest.Method.HELPER}
# A page kept open offline may send a try later (the retry queue), but not from the future.
OLDEST_TRY = timedelta(days=7)
CLOCK_SLACK = timedelta(minutes=10)


def motor_settings_for(patient: Patient) -> MotorSettings:
    """The patient's settings, or the clinic's defaults (unsaved) when the care team has set none."""
    if Patient.motor_settings.is_cached(patient):  # read with the patient (select_related): no query
        return getattr(patient, "motor_settings", None) or _default_settings(patient)
    found = MotorSettings.objects.filter(patient=patient).first()
    return found if found is not None else _default_settings(patient)


def _default_settings(patient: Patient) -> MotorSettings:
    return MotorSettings(
        patient=patient,
        enabled=True,
        every_days=settings.MYELOTRACK_MOTOR_EVERY_DAYS,
        walk_distance_m=float(settings.MYELOTRACK_MOTOR_WALK_DISTANCE_M),
    )


def _fail(field: str, message: str):
    raise ValidationError({field: message})


def _started_at(value, now: datetime) -> datetime:
    if value in (None, ""):
        return now
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but not a real time, e.g. minute 61
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        _fail("started_at", "Give the time as ISO 8601 with a time zone, e.g. 2026-12-02T09:30:00Z.")
    if parsed > now + CLOCK_SLACK:
        _fail("started_at", "The test cannot have started in the future.")
    if parsed < now - OLDEST_TRY:
        _fail("started_at", f"A test older than {OLDEST_TRY.days} days cannot be added.")
    return parsed


def _client_id(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        _fail("client_id", "Give the try's own id as a UUID (the page makes one).")


def _score_into(row: MotorTest, payload: dict, walk_distance_m: float) -> None:
    """The results, computed here from what the page recorded."""
    kind = row.kind
    method = payload.get("input_method") or ""
    allowed = {"tap": TAP_METHODS, "step": STEP_METHODS, "walk": WALK_METHODS}[kind]
    if method not in allowed:
        _fail("input_method", f"For the {kind} test choose one of: {', '.join(sorted(allowed))}.")
    row.input_method = method
    if kind == MotorTest.Kind.TAP:
        events = parse_tap_events(payload.get("events"))
        tap = score_taps(events)
        row.count, row.misses, row.rhythm_cv, row.fatigue = tap.count, tap.misses, tap.rhythm_cv, tap.fatigue
        row.duration_s = tap.duration_ms / 1000
        row.raw = {"events": [[e.t_ms, e.target, e.pointer] for e in events], "merged": tap.merged}
    elif kind == MotorTest.Kind.STEP:
        row.duration_s = 10.0
        if method == MotorTest.Method.SENSOR:
            samples = payload.get("samples")
            if payload.get("steps") is not None:
                _fail("steps", "With the motion sensor the server counts the steps: send the samples only.")
            row.steps = count_steps_from_motion(parse_motion_samples(samples))
            row.raw = {"samples": samples}
        else:
            row.steps = typed_step_count(payload.get("steps"))
            row.raw = {"steps": row.steps}
    else:
        walk = score_walk(
            duration_ms=payload.get("duration_ms"), distance_m=walk_distance_m, steps=payload.get("steps")
        )
        row.duration_s, row.distance_m, row.steps = walk.duration_s, walk.distance_m, walk.steps
        row.speed_m_s, row.cadence = walk.speed_m_s, walk.cadence
        row.raw = {"duration_ms": payload.get("duration_ms"), "steps": payload.get("steps")}


@transaction.atomic
def motor_test_record(
    *, patient: Patient, payload: dict, entered_by=None, user_agent: str = "", now: datetime | None = None
) -> tuple[MotorTest, bool]:
    """Score and store one try; returns (row, created).

    The same ``client_id`` again (a retry after a lost answer) returns the
    first row and stores nothing. Raises ValidationError naming the field;
    nothing is saved then. After the save the motor_decline rule runs for
    the patient in this same transaction (stateless, a few hundred rows).
    """
    if not isinstance(payload, dict):
        raise ValidationError({"non_field_errors": "Send the test as a JSON object."})
    unknown = sorted(set(payload) - KEYS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in unknown})
    now = now or timezone.now()
    client_id = _client_id(payload.get("client_id"))
    existing = MotorTest.objects.filter(patient=patient, client_id=client_id).first()
    if existing is not None:
        return existing, False
    prefs = motor_settings_for(patient)
    if not prefs.enabled:
        _fail("kind", "Your care team has turned the phone tests off for you.")
    kind = payload.get("kind")
    if kind not in MotorTest.Kind.values:
        _fail("kind", f"Choose one of: {', '.join(MotorTest.Kind.values)}.")
    side = payload.get("side") or ""
    if kind == MotorTest.Kind.TAP and side not in MotorTest.Side.values:
        _fail("side", "The tap test needs the hand: left or right.")
    if kind != MotorTest.Kind.TAP and side:
        _fail("side", "Only the tap test is done with one hand.")
    could_not_do = payload.get("could_not_do", False)
    if not isinstance(could_not_do, bool):
        _fail("could_not_do", "Give true or false.")
    started = _started_at(payload.get("started_at"), now)
    row = MotorTest(
        patient=patient,
        kind=kind,
        side=side,
        client_id=client_id,
        started_at=started,
        date=patient.local_today(started),
        could_not_do=could_not_do,
        device=device_summary(user_agent),
        entered_by=entered_by if entered_by is not None and entered_by.is_authenticated else None,
    )
    if could_not_do:
        extra = sorted(k for k in ("events", "samples", "steps", "duration_ms") if payload.get(k) not in (None, [], ""))
        if extra:
            _fail(extra[0], "A test you could not do has no results.")
        row.input_method = payload.get("input_method") or ""
        if row.input_method and row.input_method not in MotorTest.Method.values:
            _fail("input_method", f"Choose one of: {', '.join(MotorTest.Method.values)}.")
    else:
        try:
            _score_into(row, payload, prefs.walk_distance_m)
        except MotorPayloadError as exc:
            raise ValidationError({exc.field: exc.message}) from None
    row.full_clean(exclude=["patient", "entered_by"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # The same try sent twice at once (a double tap, a retry racing the first): the first one stands.
        return MotorTest.objects.get(patient=patient, client_id=client_id), False
    evaluate_motor([patient.pk])
    row.refresh_from_db(fields=["practice"])
    audit_change(
        user=patient.user, patient_id=patient.pk, what="motor_test", detail={"kind": kind, "side": side, "id": row.pk}
    )
    return row, True


@transaction.atomic
def motor_settings_update(
    *, patient: Patient, user, enabled: bool, every_days: int, walk_distance_m: float
) -> MotorSettings:
    """The care team turns the tests on or off, sets how often they are suggested and the walk's distance."""
    prefs = MotorSettings.objects.select_for_update().filter(patient=patient).first() or motor_settings_for(patient)
    prefs.enabled, prefs.every_days, prefs.walk_distance_m = enabled, every_days, walk_distance_m
    prefs.updated_by = user
    prefs.full_clean(exclude=["patient", "updated_by"])
    prefs.save()
    audit_change(
        user=user,
        patient_id=patient.pk,
        what="motor_settings",
        detail={"enabled": enabled, "every_days": every_days, "walk_distance_m": walk_distance_m},
    )
    return prefs

"""Writes about check-ins."""

from datetime import date as date_type

from django.core.exceptions import ValidationError
from django.db import transaction

from patients.models import Patient
from tracker.models import CheckIn, CheckInRevision
from tracker.scales import DOMAIN_KEYS, NUMBNESS_LOCATIONS, RED_FLAG_KEYS

ANSWER_FIELDS = (*DOMAIN_KEYS, *RED_FLAG_KEYS, "numbness", "numbness_locations", "neck_pain", "note")
_LOCATION_KEYS = {key for key, _ in NUMBNESS_LOCATIONS}


def _answers_of(checkin: CheckIn) -> dict:
    return {field: getattr(checkin, field) for field in ANSWER_FIELDS}


@transaction.atomic
def checkin_submit(*, patient: Patient, answers: dict, date: date_type | None = None, now=None) -> tuple[CheckIn, bool]:
    """Record the patient's answers for their local day (today by default).

    A second submission the same day updates the check-in and keeps the
    previous answers as a revision. Raises ValidationError naming each bad
    field; nothing is saved then. Returns (checkin, created).
    """
    today = patient.local_today(now)
    date = date or today
    if date > today:
        raise ValidationError({"date": "A check-in cannot be dated in the future."})
    unknown = set(answers) - set(ANSWER_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    locations = answers.get("numbness_locations") or []
    if not isinstance(locations, list | tuple) or not set(locations) <= _LOCATION_KEYS:
        raise ValidationError({"numbness_locations": f"Choose from: {', '.join(sorted(_LOCATION_KEYS))}."})

    checkin = CheckIn.objects.select_for_update().filter(patient=patient, date=date).first()
    created = checkin is None
    previous = None if created else _answers_of(checkin)
    if created:
        checkin = CheckIn(patient=patient, date=date)
    for field in ANSWER_FIELDS:
        default = [] if field == "numbness_locations" else ("" if field == "note" else None)
        if field in RED_FLAG_KEYS:
            default = False
        setattr(checkin, field, answers.get(field, default))
    for key in DOMAIN_KEYS:
        if getattr(checkin, key) is None:
            raise ValidationError({key: "This score is required."})
    checkin.numbness_locations = sorted(set(locations))
    checkin.full_clean(exclude=["total", "red_flag"], validate_unique=False)
    checkin.compute_derived()
    checkin.save()
    if previous is not None:
        CheckInRevision.objects.create(checkin=checkin, answers=previous)

    # Imported here: detection imports this module's models.
    from tracker.evaluation import after_checkin_saved

    after_checkin_saved(checkin)
    return checkin, created

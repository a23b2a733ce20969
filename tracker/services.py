"""Writes about check-ins."""

from datetime import date as date_type

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_change
from detection.rules import DECLINE_RULES, compute_baseline
from detection.scales import DOMAIN_BY_KEY, DOMAIN_KEYS, NUMBNESS_LOCATIONS, RED_FLAG_KEYS
from notifications.models import Alert
from notifications.services import alert_close_automatically
from patients.models import BACKFILL_DAYS, Patient
from tracker.checkin_write import checkin_write
from tracker.evaluation import day_from_checkin, evaluate_patients
from tracker.models import ANSWER_FIELDS, Baseline, CheckIn
from tracker.rule_settings import rule_config_for

_LOCATION_KEYS = {key for key, _ in NUMBNESS_LOCATIONS}


def checkin_submit(
    *,
    patient: Patient,
    answers: dict,
    date: date_type | None = None,
    now=None,
    entered_by=None,
    limit: tuple[int, int] | None = None,
) -> tuple[CheckIn, bool]:
    """Record the patient's answers for their local day (today by default).

    A second submission the same day updates the check-in and keeps the
    previous answers as a revision. Raises ValidationError naming each bad
    field; nothing is saved then. Returns (checkin, created).

    ``limit`` (check-ins, seconds), which the check-in views pass from
    settings.CHECKIN_LIMIT: when the patient has saved that many in the window,
    CheckInLimitReached (its retry_after in seconds) and nothing saved; a
    check-in with a red flag is saved whatever the count.

    The row, its revision, the evaluation outbox count and the audit row are
    written as one atomic unit by tracker.checkin_write (one statement on
    PostgreSQL, one transaction elsewhere); a red flag's urgent alert joins them.
    """
    checkin = _checkin_from_answers(patient=patient, answers=answers, date=date, now=now, entered_by=entered_by)
    created = checkin_write(checkin, actor=patient.user, limit=limit)
    return checkin, created


def _checkin_from_answers(*, patient: Patient, answers: dict, date, now, entered_by) -> CheckIn:
    """The unsaved, validated row; ValidationError naming each bad field. Asks the database nothing."""
    today = patient.local_today(now)
    date = date or today
    if date > today:
        raise ValidationError({"date": "A check-in cannot be dated in the future."})
    earliest = patient.earliest_checkin_date()
    if date < earliest:
        raise ValidationError(
            {"date": f"A check-in cannot be dated before {earliest:%d %b %Y} (enrolment less {BACKFILL_DAYS} days)."}
        )
    unknown = set(answers) - set(ANSWER_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})
    locations = answers.get("numbness_locations") or []
    if not isinstance(locations, list | tuple) or not set(locations) <= _LOCATION_KEYS:
        raise ValidationError({"numbness_locations": f"Choose from: {', '.join(sorted(_LOCATION_KEYS))}."})

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
    checkin.entered_by = entered_by if entered_by is not None and entered_by.is_authenticated else None
    # The field validators check every range in Python (about 15 microseconds; the serializer or the
    # form checked them already, but a direct call must be refused too); the database's check and
    # unique constraints stay the last word on save. Re-asking PostgreSQL for each constraint (and
    # whether the patient and the signed-in user exist) cost 15 of a check-in's 22 round trips.
    checkin.full_clean(
        exclude=["total", "red_flag", "patient", "entered_by"], validate_unique=False, validate_constraints=False
    )
    checkin.compute_derived()
    return checkin


# ----- baselines -------------------------------------------------------------
# A baseline row is never changed or deleted: a new row supersedes the last
# (the current one is the latest effective_from), so the history of who set
# which baseline, when, and from which check-ins stays readable.


def _lock_patient(patient: Patient) -> Patient:
    # Taking turns with evaluate_patients, which locks the same row.
    return Patient.objects.select_for_update().select_related("care_team").get(pk=patient.pk)


def _days_from(patient: Patient, start: date_type | None = None):
    qs = CheckIn.objects.filter(patient=patient).order_by("date")
    if start is not None:
        qs = qs.filter(date__gte=start)
    return [day_from_checkin(c) for c in qs]


def _close_decline_alerts_for_rebaseline(patient: Patient, baseline: Baseline) -> int:
    detail = f"New baseline from {baseline.effective_from:%d %b %Y}: total {baseline.total:g}"
    closed = 0
    unresolved = Alert.objects.filter(patient=patient, rule__in=sorted(DECLINE_RULES)).exclude(
        status=Alert.Status.RESOLVED
    )
    for alert in unresolved:
        closed += alert_close_automatically(alert=alert, outcome=Alert.Outcome.REBASELINED, detail=detail)
    return closed


def _check_not_before_current(patient: Patient, day: date_type, field: str) -> None:
    """Baselines follow one another in time: the current one is the latest effective_from.

    A new one dated before the current one would sit behind it in the
    history and never apply, so it is refused with the date to use.
    """
    current = Baseline.objects.filter(patient=patient).order_by("-effective_from", "-set_at").first()
    if current is not None and day < current.effective_from:
        raise ValidationError(
            {field: f"Choose {current.effective_from:%d %b %Y} or later: the current baseline applies from then."}
        )


def _after_new_baseline(patient: Patient, baseline: Baseline) -> None:
    """Close open decline episodes and re-arm the rules from the new baseline."""
    _close_decline_alerts_for_rebaseline(patient, baseline)
    # The detector is rebuilt from the whole history with every baseline on
    # its date, so the check-ins since the new one are judged against it.
    evaluate_patients([patient.pk], rebuild=True)


@transaction.atomic
def baseline_compute_initial(*, patient: Patient) -> Baseline | None:
    """The automatic baseline: median of the first N check-ins within M days.

    Returns the patient's current baseline if one exists already (nothing
    is recomputed), the new automatic one, or None while there are not
    enough check-ins yet.
    """
    patient = _lock_patient(patient)
    current = Baseline.objects.filter(patient=patient).order_by("-effective_from", "-set_at").first()
    if current is not None:
        return current
    found = compute_baseline(_days_from(patient), rule_config_for(patient))
    if found is None:
        return None
    baseline = Baseline.from_computed(
        patient=patient, computed=found, method=Baseline.Method.AUTOMATIC, reason="Median of the first check-ins"
    )
    baseline.full_clean()
    baseline.save()
    return baseline


@transaction.atomic
def baseline_reset(*, patient: Patient, from_date: date_type, user, reason: str = "") -> Baseline:
    """Re-baseline from a date (after surgery, a change of treatment).

    The new baseline is the median of the first N check-ins from that date
    (within M days, as for the first baseline). Open decline alerts close as
    re-baselined and the rules re-arm. Raises ValidationError naming
    ``from_date`` when there are not enough check-ins from that date.
    """
    if not isinstance(from_date, date_type):
        raise ValidationError({"from_date": "Give the date as YYYY-MM-DD."})
    if from_date > patient.local_today():
        raise ValidationError({"from_date": "The date cannot be in the future."})
    patient = _lock_patient(patient)
    _check_not_before_current(patient, from_date, "from_date")
    config = rule_config_for(patient)
    days = _days_from(patient, from_date)
    found = compute_baseline(days, config, start=from_date)
    if found is None:
        raise ValidationError(
            {
                "from_date": (
                    f"Not enough check-ins from {from_date:%d %b %Y}: a baseline needs {config.baseline_checkins} "
                    f"within {config.baseline_days} days, and there are {len(days)} since then."
                )
            }
        )
    baseline = Baseline.from_computed(
        patient=patient,
        computed=found,
        method=Baseline.Method.REBASELINE,
        effective_from=from_date,
        set_by=user,
        reason=reason or "",
    )
    baseline.full_clean()
    baseline.save()
    _after_new_baseline(patient, baseline)
    audit_change(user=user, patient_id=patient.pk, what="baseline", detail={"baseline": baseline.pk})
    return baseline


@transaction.atomic
def baseline_set_manual(
    *, patient: Patient, user, scores: dict, effective_from: date_type, reason: str = ""
) -> Baseline:
    """A baseline typed in by a clinician (for example from a clinic mJOA).

    ``scores`` holds the four domains (fine_motor, gait, sensation, bladder);
    halves are allowed, as medians give them. The total is their sum.
    """
    errors: dict[str, str] = {}
    if not isinstance(scores, dict):
        raise ValidationError({"scores": "Give the four domain scores."})
    for key in sorted(set(scores) - set(DOMAIN_KEYS)):
        errors[key] = "Unknown domain."
    values: dict[str, float] = {}
    for key in DOMAIN_KEYS:
        top = DOMAIN_BY_KEY[key].max_score
        raw = scores.get(key)
        try:
            if raw is None or raw == "" or isinstance(raw, bool):
                raise TypeError
            value = float(raw)
        except (TypeError, ValueError):
            errors[key] = f"Give a score from 0 to {top}."
            continue
        if not 0 <= value <= top or (value * 2) != int(value * 2):
            errors[key] = f"Give a score from 0 to {top} (whole or half points)."
            continue
        values[key] = value
    if not isinstance(effective_from, date_type):
        errors["effective_from"] = "Give the date as YYYY-MM-DD."
    elif effective_from > patient.local_today():
        errors["effective_from"] = "The date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    patient = _lock_patient(patient)
    _check_not_before_current(patient, effective_from, "effective_from")
    baseline = Baseline(
        patient=patient,
        method=Baseline.Method.MANUAL,
        total=sum(values.values()),
        effective_from=effective_from,
        source_from=None,
        source_to=None,
        source_count=0,
        set_by=user,
        reason=reason or "",
        **values,
    )
    baseline.full_clean()
    baseline.save()
    _after_new_baseline(patient, baseline)
    audit_change(user=user, patient_id=patient.pk, what="baseline", detail={"baseline": baseline.pk})
    return baseline

"""Connects stored tries to detection.motor_rules and the motor_decline alert.

The rule is stateless (``assess_motor`` recomputes from all of a patient's
tries: weekly tests make a few hundred rows at most), so the same function
serves the request that saved a try and the nightly sweep, and running it
twice changes nothing.

One alert per patient for the rule, whichever tests decline: the
notifications app keeps one unresolved alert per patient and rule (a database
constraint), and a care team acts on the patient, not on each hand. The
alert opens with the first measure's episode (its evidence, the measures in
evidence_data) and closes as recovered when no measure is declining any more.
An episode already recorded (same rule and day), even one a clinician has
resolved since, is never opened again, as for the check-in rules.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from detection.motor_rules import (
    CLOSED,
    MOTOR_DECLINE,
    OPENED,
    MotorAssessment,
    MotorConfig,
    MotorTry,
    assess_motor,
)
from motor.models import MotorTeamRules, MotorTest
from notifications.models import Alert
from notifications.services import alert_close_automatically, alert_open
from patients.models import Patient

logger = logging.getLogger(__name__)


def get_motor_config(overrides: dict | None = None) -> MotorConfig:
    """The site's thresholds (MYELOTRACK_MOTOR_RULES) with ``overrides`` on top; a bad override is a ValueError."""
    try:
        base = MotorConfig.from_dict(getattr(settings, "MYELOTRACK_MOTOR_RULES", None) or {})
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"MYELOTRACK_MOTOR_RULES: {exc}") from exc
    return base.merged(overrides) if overrides else base


def motor_config_for_team(team_id: int | None, overrides_by_team: dict[int, dict] | None = None) -> MotorConfig:
    """A care team's thresholds; a bad override is logged and the site's apply (a batch must not stop)."""
    if overrides_by_team is None:
        row = MotorTeamRules.objects.filter(team_id=team_id).first() if team_id else None
        overrides = row.overrides if row else {}
    else:
        overrides = overrides_by_team.get(team_id) or {}
    try:
        return get_motor_config(overrides)
    except (TypeError, ValueError):
        logger.exception("Invalid motor rule overrides for care team %s; using the site thresholds", team_id)
        return get_motor_config()


def motor_config_for(patient: Patient) -> MotorConfig:
    return motor_config_for_team(patient.care_team_id)


def tries_of(rows) -> list[MotorTry]:
    return [MotorTry(row.date, row.measure, None if row.value is None else float(row.value)) for row in rows]


@dataclass
class MotorEvaluation:
    patients: int = 0  # those with tries or a motor alert: the others have nothing to assess
    opened: int = 0
    closed: int = 0
    practice_changed: int = 0


def evaluate_motor(patient_ids, *, result: MotorEvaluation | None = None) -> MotorEvaluation:
    """Assess each patient's tries, store the practice flags, open or close the motor_decline alert.

    Two reads (tries, alerts of the rule), then two more (patients, team
    overrides) for the patients who have either, whatever the batch size;
    writes only what changed. A patient with no tries and no motor alert has
    nothing to assess: the nightly sweep passes every patient, and loading
    each one again had cost a fifth of a first sweep's rebuild.
    """
    result = result or MotorEvaluation()
    ids = sorted({int(pk) for pk in patient_ids})
    if not ids:
        return result
    with transaction.atomic():
        rows_by_patient: dict[int, list[MotorTest]] = defaultdict(list)
        for row in (
            MotorTest.objects.filter(patient_id__any=ids)  # core.lookups: one array, not a placeholder per id
            .order_by("patient_id", "date", "started_at", "pk")
            .defer("raw")  # the recorded events: not needed to follow the results
        ):
            rows_by_patient[row.patient_id].append(row)
        alerts: dict[int, list[Alert]] = defaultdict(list)
        for alert in Alert.objects.filter(patient_id__any=ids, rule=MOTOR_DECLINE).order_by("opened_at"):
            alerts[alert.patient_id].append(alert)
        active = sorted(set(rows_by_patient) | set(alerts))
        if not active:
            return result
        patients = {
            p.pk: p
            # Not the progression detector's saved state: the nightly sweep
            # has just written it, and decoding it again is wasted.
            for p in Patient.objects.filter(pk__any=active).select_related("care_team").defer("detector_state")
        }
        overrides = dict(
            MotorTeamRules.objects.filter(team_id__in={p.care_team_id for p in patients.values()}).values_list(
                "team_id", "overrides"
            )
        )
        configs: dict[int, MotorConfig] = {}
        changed: list[MotorTest] = []
        for pid, patient in patients.items():
            team = patient.care_team_id
            if team not in configs:
                configs[team] = motor_config_for_team(team, overrides)
            rows = rows_by_patient.get(pid, [])
            assessment = assess_motor(tries_of(rows), configs[team])
            changed.extend(_practice_flags(rows, assessment))
            _apply(patient, assessment, alerts.get(pid, []), result)
            result.patients += 1
        if changed:
            MotorTest.objects.bulk_update(changed, ["practice"])
            result.practice_changed += len(changed)
    return result


def _practice_flags(rows: list[MotorTest], assessment: MotorAssessment) -> list[MotorTest]:
    """Rows whose stored practice flag differs from the rule's (one flag per try, in date order)."""
    by_measure: dict[str, list[MotorTest]] = defaultdict(list)
    for row in rows:
        by_measure[row.measure].append(row)
    changed = []
    for measure, measure_rows in by_measure.items():
        summary = assessment.measures.get(measure)
        flags = summary.practice if summary else ()
        for row, flag in zip(measure_rows, flags, strict=False):
            if row.practice != flag:
                row.practice = flag
                changed.append(row)
    return changed


def _open_episodes(assessment: MotorAssessment) -> dict[str, object]:
    """measure -> the OPENED event of its episode still open at the end of the history."""
    open_now: dict[str, object] = {}
    for ev in assessment.events:
        measure = (ev.evidence_data or {}).get("measure")
        if ev.kind == OPENED:
            open_now[measure] = ev
        elif ev.kind == CLOSED:
            open_now.pop(measure, None)
    return {m: ev for m, ev in open_now.items() if assessment.measures.get(m) and assessment.measures[m].declining}


def _apply(patient: Patient, assessment: MotorAssessment, alerts: list[Alert], result: MotorEvaluation) -> None:
    unresolved = next((a for a in alerts if a.status != Alert.Status.RESOLVED), None)
    episodes = _open_episodes(assessment)
    if episodes:
        if unresolved is not None:
            return
        first = min(episodes.values(), key=lambda ev: ev.date)
        recorded = {a.date for a in alerts}
        if first.date in recorded:
            return  # this episode was alerted already (and a clinician has closed it)
        _, created = alert_open(
            patient=patient,
            rule=MOTOR_DECLINE,
            severity=first.severity,
            date=first.date,
            evidence=first.evidence,
            evidence_data={**(first.evidence_data or {}), "measures": sorted(episodes)},
        )
        result.opened += int(created)
    elif unresolved is not None:
        closing = [ev for ev in assessment.events if ev.kind == CLOSED]
        detail = closing[-1].evidence if closing else "The tests are back within the usual range."
        if alert_close_automatically(alert=unresolved, outcome=Alert.Outcome.RECOVERED, detail=detail):
            result.closed += 1


def evaluate_all_motor(*, batch_size: int = 500) -> MotorEvaluation:
    """The nightly safety net: every patient with at least one try, batch by batch."""
    result = MotorEvaluation()
    ids = sorted(set(MotorTest.objects.values_list("patient_id", flat=True).distinct()))
    for start in range(0, len(ids), batch_size):
        evaluate_motor(ids[start : start + batch_size], result=result)
    return result

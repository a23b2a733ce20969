"""Connects check-ins to progression detection.

Red flags open their urgent alert inside the request, before the page
answers; everything else is evaluated by a Celery task after commit.
"""

from django.db import transaction

from notifications.models import Severity
from notifications.services import alert_open
from tracker.models import CheckIn


def after_checkin_saved(checkin: CheckIn) -> None:
    if checkin.red_flag:
        alert_open(
            patient=checkin.patient,
            rule="red_flag",
            severity=Severity.URGENT,
            date=checkin.date,
            evidence=red_flag_evidence(checkin),
            evidence_data={"red_flags": checkin.red_flags_answered_yes, "date": checkin.date.isoformat()},
        )
    from tracker.tasks import evaluate_patient_task

    patient_id = checkin.patient_id
    transaction.on_commit(lambda: evaluate_patient_task.delay(patient_id))


def red_flag_evidence(checkin: CheckIn) -> str:
    from tracker.scales import RED_FLAGS

    labels = {
        "rf_bladder_bowel": "bladder/bowel control",
        "rf_saddle_numbness": "saddle numbness",
        "rf_weakness": "sudden weakness",
        "rf_fall_injury": "fall or neck injury",
        "rf_breathing": "difficulty breathing",
    }
    said = [labels[f.key] for f in RED_FLAGS if getattr(checkin, f.key)]
    return f"Red flag on {checkin.date:%d %b}: {', '.join(said)}"

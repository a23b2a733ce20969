"""Celery entry points for progression detection. Each takes primary keys.

Every task is idempotent: it may run twice (late acknowledgement, a lost
worker, a sweep overlapping a check-in task) and creates nothing twice; see
tracker.evaluation.
"""

import logging

from celery import shared_task
from django.db.models import F

from motor.evaluation import evaluate_motor
from patients.models import Patient
from tracker.evaluation import evaluate_patients

logger = logging.getLogger(__name__)

# Patients per sweep_batch_task: big enough that the per-batch queries are
# few, small enough that several workers share the night and a batch stays
# far inside the task time limit (about 0.1 s of work per 200 patients in
# steady state, see docs/detection-operations.md).
SWEEP_BATCH_SIZE = 200


@shared_task(name="tracker.tasks.evaluate_patient_task")
def evaluate_patient_task(patient_id: int) -> None:
    """Evaluate one patient's new check-ins (queued after each check-in commits)."""
    evaluate_patients([patient_id])


# Pending patients per minute; more wait for the next minute (and a backlog
# this large means the workers, not the broker, are the problem).
PENDING_LIMIT = 2000


@shared_task(name="tracker.tasks.evaluate_pending_task")
def evaluate_pending_task(batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Every minute: evaluate patients whose saved check-ins no evaluation has read yet.

    The outbox of evaluations, as redeliver_pending_task is for deliveries: a
    check-in whose evaluate_patient_task was lost (broker down, worker killed
    before acknowledging) is detected a minute later, not at the nightly
    sweep. Evaluating a patient twice changes nothing, so overlapping with the
    check-in's own task is harmless. Returns how many patients it evaluated.
    """
    ids = list(
        Patient.objects.filter(checkins_received__gt=F("checkins_evaluated"))
        .order_by("pk")
        .values_list("pk", flat=True)[:PENDING_LIMIT]
    )
    for start in range(0, len(ids), batch_size):
        evaluate_patients(ids[start : start + batch_size])
    if ids:
        logger.info("evaluate_pending: %s patients had unevaluated check-ins", len(ids))
    return len(ids)


@shared_task(name="tracker.tasks.nightly_sweep_task")
def nightly_sweep_task(batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Fan the whole cohort out in batches: missed check-ins and a safety net.

    Returns the number of batches queued.
    """
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    batches = 0
    for start in range(0, len(ids), batch_size):
        sweep_batch_task.delay(ids[start : start + batch_size])
        batches += 1
    logger.info("nightly sweep: %s patients in %s batches", len(ids), batches)
    return batches


@shared_task(name="tracker.tasks.sweep_batch_task")
def sweep_batch_task(patient_ids: list[int]) -> dict:
    """Evaluate a batch of patients as of their yesterday (checks missed check-ins too)."""
    result = evaluate_patients(patient_ids, tick=True)
    # The phone tests' rule runs after each saved try; the sweep is its safety net (a changed team threshold).
    motor = evaluate_motor(patient_ids)
    return {
        "patients": result.patients,
        "checkins": result.checkins,
        "opened": result.opened + motor.opened,
        "closed": result.closed + motor.closed,
    }

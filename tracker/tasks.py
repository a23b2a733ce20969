from celery import shared_task


@shared_task(name="tracker.tasks.evaluate_patient_task")
def evaluate_patient_task(patient_id: int) -> None:
    """Run progression detection for one patient (filled in by the detection work)."""


@shared_task(name="tracker.tasks.nightly_sweep_task")
def nightly_sweep_task() -> None:
    """Evaluate every patient: missed check-ins and a safety net for lost evaluations."""

"""End to end with a real Celery worker process: check-in saved, worker evaluates, alert row exists."""

from datetime import timedelta

import pytest
from django.urls import reverse

from notifications.models import Alert
from tests.conftest import add_history, make_patient, wait_for

GOOD = (4, 6, 2, 3)
FAIR = (3, 5, 2, 3)  # total 13, the MCID below 15


@pytest.mark.worker
def test_a_checkin_through_the_web_is_evaluated_by_the_worker_and_opens_the_alert(
    celery_worker_process, patient, client, tmp_path, team_a
):
    start = patient.local_today() - timedelta(days=20)
    add_history(patient, {i: GOOD if i < 14 else FAIR for i in range(20)}, start=start)
    client.force_login(patient.user)
    answers = {"fine_motor": "3", "gait": "5", "sensation": "2", "bladder": "3"}
    answers.update(
        {
            key: "no"
            for key in ("rf_bladder_bowel", "rf_saddle_numbness", "rf_weakness", "rf_fall_injury", "rf_breathing")
        }
    )

    response = client.post(reverse("checkin"), answers)

    assert response.status_code == 302
    # Nothing but red flags is evaluated inside the request: the worker does it.
    alert = wait_for(lambda: Alert.objects.filter(patient=patient, rule="sustained_decline").first(), timeout=30)
    assert alert.severity == "high"
    assert alert.evidence == "Total 13 vs baseline 15 (-2) over the last 7 check-ins"
    patient.refresh_from_db()
    assert patient.evaluated_through == patient.local_today()
    assert patient.detector_state["baseline"]["total"] == 15
    # And it was the worker process, not an in-process fallback.
    log = (tmp_path / "worker.log").read_text()
    assert "tracker.tasks.evaluate_patient_task" in log and "succeeded" in log

    # The same worker runs the nightly sweep: it fans out one batch task per
    # patient here, through the broker, and each batch opens its missed check-ins.
    from tracker.tasks import nightly_sweep_task

    quiet = [make_patient(team_a, None, f"Quiet{i}", "Patient") for i in range(2)]
    for p in quiet:
        add_history(p, days=8, start=patient.local_today() - timedelta(days=12))
    nightly_sweep_task.delay(batch_size=1)
    wait_for(lambda: Alert.objects.filter(patient__in=quiet, rule="missed_checkins").count() == 2, timeout=30)

    def batches_done():
        lines = (tmp_path / "worker.log").read_text().splitlines()
        return [line for line in lines if "tracker.tasks.sweep_batch_task[" in line and "succeeded" in line]

    wait_for(lambda: len(batches_done()) >= 3, timeout=10)
    assert len(batches_done()) == 3  # one batch per patient: three patients
    assert Alert.objects.filter(patient=patient, rule="sustained_decline").count() == 1

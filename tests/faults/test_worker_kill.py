"""SIGKILL the Celery worker in the middle of a burst of check-ins: nothing is lost, nothing is sent twice.

Real processes throughout: PostgreSQL, Redis (REDIS_URL) as the broker, a
`celery worker` killed with SIGKILL (no warm shutdown, no acknowledgement of
the task it was running), then a fresh worker, then the every-minute tasks
the beat would send (evaluate_pending_task and redeliver_pending_task).
"""

import os
import re
import time

import pytest
from django.utils import timezone

from notifications.models import Delivery
from notifications.tasks import redeliver_pending_task
from tests.conftest import require, wait_for
from tests.faults.burst import (
    Door,
    checkins_per_patient,
    deliveries_unsent,
    emails_per_alert,
    make_cohort,
    outbox_pending,
    red_flag_alerts,
)
from tests.faults.workers import CeleryWorker, publishing_to_workers
from tracker.tasks import evaluate_pending_task

pytestmark = [pytest.mark.worker, pytest.mark.redis]

PATIENTS = 20
# One red flag at most per patient: a patient has one open red-flag alert however many they report.
RED_FLAG_API = {0, 4, 8, 13, 16}  # in yesterday's check-in, through the API
RED_FLAG_FORM = {2, 6, 10, 14, 18}  # in today's, through the HTML form
# Yesterday's check-ins through the API first, then today's through the form. The kill comes right after
# patient 10's form check-in (a red flag: two deliveries and an evaluation queued), while the worker runs one
# of them; patient 10 sends nothing later, so only the sweeps can recover what the kill lost.
KILL_AFTER = PATIENTS + 11


def in_flight(log: str) -> list[str]:
    """Tasks the worker had received and not finished: `name[id]` from its log."""
    received = re.findall(r"Task (\S+\[[0-9a-f-]+\]) received", log)
    return [task for task in received if f"{task} succeeded" not in log]


def test_after_a_worker_sigkill_mid_burst_every_check_in_is_evaluated_and_every_alert_delivered_once(
    transactional_db, team_a, clinician, tmp_path
):
    require(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set: the worker must consume from a real Redis")
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(mail_dir)}
    patients = make_cohort(team_a, PATIENTS)
    doors = [Door(p) for p in patients]
    posts = [(i, "api") for i in range(PATIENTS)] + [(i, "form") for i in range(PATIENTS)]

    with publishing_to_workers() as queue:
        first = CeleryWorker(tmp_path / "worker1.log", queue, env).start()
        second = CeleryWorker(tmp_path / "worker2.log", queue, env)
        try:
            statuses = []
            for n, (i, door_kind) in enumerate(posts, start=1):
                if n == KILL_AFTER:
                    # The worker first catches up: were patient 10's earlier evaluation still queued when
                    # this check-in lands, that one would read both days, and the kill would lose only a
                    # message with nothing left to do (so nothing for the sweeps to recover). Faster
                    # check-ins (one statement each) left the worker that far behind in some runs.
                    wait_for(lambda: outbox_pending(patients) == 0 and deliveries_unsent(patients) == 0, timeout=30)
                if door_kind == "api":
                    statuses.append(doors[i].post_api(days_ago=1, red_flag=i in RED_FLAG_API).status_code)
                else:
                    statuses.append(doors[i].post_form(red_flag=i in RED_FLAG_FORM).status_code)
                if n == KILL_AFTER:
                    wait_for(lambda: in_flight(first.log_text()), timeout=5, interval=0.001)
                    first.kill()
                    killed_log = first.log_text()
            second.start()
            restarted = time.monotonic()
            # What the beat sends every minute; the worker runs them after the queued messages.
            evaluate_pending_task.delay()
            redeliver_pending_task.delay()
            wait_for(lambda: outbox_pending(patients) == 0, timeout=30)
            # A delivery the killed worker had claimed stays "sending" for its lease (task time limit + 60 s)
            # before the sweep may take it back. Stand in for those minutes passing, then sweep again.
            caught_mid_send = list(Delivery.objects.filter(status=Delivery.Status.SENDING).values_list("pk", flat=True))
            if caught_mid_send:
                Delivery.objects.filter(pk__in=caught_mid_send).update(next_attempt_at=timezone.now())
                redeliver_pending_task.delay()
            wait_for(lambda: deliveries_unsent(patients) == 0, timeout=30)
            recovered = time.monotonic() - restarted
        finally:
            first.stop()
            second.stop()

    swept = sum(int(n) for n in re.findall(r"evaluate_pending: (\d+) patients", second.log_text()))
    resent = sum(int(n) for n in re.findall(r"Re-enqueued (\d+) of", second.log_text()))
    print(
        f"the sweeps recovered {swept} unevaluated patient(s) and {resent} unsent delivery(ies); "
        f"worker SIGKILLed after {KILL_AFTER} of {len(posts)} check-ins in flight: {in_flight(killed_log)}; "
        f"{len(caught_mid_send)} delivery(ies) caught mid-send; "
        f"all evaluated and delivered {recovered:.1f} s after the new worker started"
    )
    assert statuses == [201 if kind == "api" else 302 for _, kind in posts]
    assert in_flight(killed_log), "the kill should land while the worker is busy"
    assert swept + resent >= 1, "the lost message should have been recovered by a sweep, not by a later message"
    assert checkins_per_patient(patients) == {p.pk: 2 for p in patients}
    for p in patients:
        p.refresh_from_db()
        assert p.checkins_received == p.checkins_evaluated == 2
        assert p.evaluated_through == p.local_today()
    flagged = {patients[i].pk for i in RED_FLAG_API | RED_FLAG_FORM}
    assert red_flag_alerts(patients) == {pk: 1 for pk in flagged}
    deliveries = Delivery.objects.filter(alert__patient__in=patients)
    assert sorted(deliveries.values_list("channel", flat=True)) == sorted(["email", "in_app"] * len(flagged))
    assert set(deliveries.values_list("status", flat=True)) == {"sent"}
    alert_ids = set(deliveries.values_list("alert_id", flat=True))
    assert emails_per_alert(mail_dir) == {pk: 1 for pk in alert_ids}

"""Redis (cache and broker) stopped for 10 s in the middle of a burst of API and HTML check-ins.

A throwaway redis-server on its own port is the cache of this process and
the broker of both this process and a real worker; the shared Redis is never
touched. It is stopped for OUTAGE_SECONDS mid-burst and started again empty on
the same port (no persistence: whatever was queued in it is gone, as after a
crash), then the every-minute sweeps run as the beat would send them.
"""

import re
import time

import pytest

from core.models import ApiIdempotencyKey
from notifications.models import Delivery
from notifications.tasks import redeliver_pending_task
from tests.conftest import wait_for
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

PATIENTS = 30
OUTAGE_SECONDS = 10
STOP_AFTER = 10  # posts with Redis up before it stops
RED_FLAG_API = {1, 6, 11, 16, 21, 26}  # yesterday's check-in, through the API
RED_FLAG_FORM = {3, 8, 13, 18, 23, 28}  # today's, through the HTML form


def test_with_redis_down_for_10_seconds_mid_burst_every_check_in_is_stored_once_and_every_alert_delivered_once(
    transactional_db, throwaway_redis_cache, team_a, clinician, tmp_path
):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        "REDIS_URL": throwaway_redis_cache.url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    patients = make_cohort(team_a, PATIENTS)
    doors = [Door(p) for p in patients]
    # Alternate the doors so both are hit while Redis is down.
    posts = [post for i in range(PATIENTS) for post in ((i, "api"), (i, "form"))]

    with publishing_to_workers(broker_url=throwaway_redis_cache.url) as queue:
        worker = CeleryWorker(tmp_path / "worker.log", queue, env).start()
        try:
            answers, outage_posts, slowest = [], 0, 0.0
            stopped_at = restarted_at = None
            for n, (i, door_kind) in enumerate(posts, start=1):
                if n == STOP_AFTER + 1:
                    throwaway_redis_cache.stop()
                    stopped_at = time.monotonic()
                if stopped_at and not restarted_at and time.monotonic() - stopped_at >= OUTAGE_SECONDS:
                    throwaway_redis_cache.start()  # same port, empty
                    restarted_at = time.monotonic()
                started = time.monotonic()
                if door_kind == "api":
                    key = f"burst-{i}"
                    first = doors[i].post_api(days_ago=1, red_flag=i in RED_FLAG_API, key=key)
                    # The phone did not see the answer and retries once with the same key.
                    again = doors[i].post_api(days_ago=1, red_flag=i in RED_FLAG_API, key=key)
                    answers.append((door_kind, first.status_code, again.status_code, again.get("Idempotent-Replayed")))
                else:
                    response = doors[i].post_form(red_flag=i in RED_FLAG_FORM)
                    answers.append((door_kind, response.status_code))
                if stopped_at and not restarted_at:
                    outage_posts += 1
                    slowest = max(slowest, time.monotonic() - started)
            if not restarted_at:
                time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
                throwaway_redis_cache.start()
                restarted_at = time.monotonic()
            outage = restarted_at - stopped_at

            # What the beat sends every minute, to the worker through the revived broker.
            evaluate_pending_task.delay()
            redeliver_pending_task.delay()
            wait_for(lambda: outbox_pending(patients) == 0 and deliveries_unsent(patients) == 0, timeout=40)
            recovered = time.monotonic() - restarted_at
        finally:
            worker.stop()

    log = worker.log_text()
    swept = sum(int(n) for n in re.findall(r"evaluate_pending: (\d+) patients", log))
    resent = sum(int(n) for n in re.findall(r"Re-enqueued (\d+) of", log))
    print(
        f"Redis down {outage:.1f} s during {outage_posts} of {len(posts)} posts (slowest answer {slowest:.2f} s); "
        f"the sweeps evaluated {swept} patient(s) and re-sent {resent} delivery(ies); "
        f"all evaluated and delivered {recovered:.1f} s after Redis came back"
    )
    assert outage >= OUTAGE_SECONDS and outage_posts >= 5, "the outage should cover part of the burst"
    # Zero 5xx: every check-in answered as if Redis were up, and every retry replayed the first answer.
    assert answers == [("api", 201, 201, "true") if kind == "api" else ("form", 302) for _, kind in posts], answers
    assert checkins_per_patient(patients) == {p.pk: 2 for p in patients}
    assert ApiIdempotencyKey.objects.filter(user__patient__in=patients).count() == PATIENTS
    for p in patients:
        p.refresh_from_db()
        assert p.checkins_received == p.checkins_evaluated == 2
        assert p.evaluated_through == p.local_today()
    flagged = {patients[i].pk for i in RED_FLAG_API | RED_FLAG_FORM}
    assert red_flag_alerts(patients) == {pk: 1 for pk in flagged}
    deliveries = Delivery.objects.filter(alert__patient__in=patients)
    assert sorted(deliveries.values_list("channel", flat=True)) == sorted(["email", "in_app"] * len(flagged))
    assert set(deliveries.values_list("status", "attempts")) == {("sent", 1)}
    assert emails_per_alert(mail_dir) == {pk: 1 for pk in set(deliveries.values_list("alert_id", flat=True))}
    assert swept >= 1 and resent >= 1, "the sweeps, not luck, should have recovered what the outage lost"

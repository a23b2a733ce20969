"""A real Celery worker process sends the reminder over real Web Push; two beat runs send one."""

from datetime import time
from time import sleep

import pytest
from django.utils import timezone

from reminders.management.commands.vapid_keys import new_vapid_pair
from reminders.models import ReminderSent
from reminders.services import push_subscription_save
from reminders.tasks import send_due_reminders_task
from tests.conftest import wait_for
from tests.reminders.conftest import reminded_patient
from tests.reminders.push_service import Browser, PushService, verify_vapid

pytestmark = pytest.mark.worker

PUBLIC, PRIVATE = new_vapid_pair()


@pytest.fixture
def celery_worker_extra_env():
    # The worker is another process: it reads the keys from its environment, as in production.
    return {"VAPID_PUBLIC_KEY": PUBLIC, "VAPID_PRIVATE_KEY": PRIVATE, "VAPID_SUBJECT": "mailto:clinic@example.org"}


def test_two_beat_runs_and_a_real_worker_push_one_reminder_the_phone_can_read(celery_worker_process, team_a, settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = PUBLIC, PRIVATE
    # 00:00 has passed in every zone whatever the real clock says: the patient is due now.
    patient = reminded_patient(team_a, "pat", "America/New_York", time(0, 0), channel="push")
    patient.enrolled_at = timezone.now()  # enrolled today: a daily reminder, not a "missed" one
    patient.save(update_fields=["enrolled_at"])
    browser = Browser()
    with PushService() as service:
        push_subscription_save(
            patient=patient, endpoint=service.endpoint("phone"), p256dh=browser.p256dh, auth=browser.auth
        )
        send_due_reminders_task()
        send_due_reminders_task()  # beat twice in the same minute (a restart, a second beat by mistake)
        wait_for(lambda: ReminderSent.objects.filter(status=ReminderSent.Status.SENT).exists(), timeout=30)
        send_due_reminders_task()
        wait_for(lambda: service.received, timeout=5)
        # Give a duplicate send every chance to arrive before counting.
        sleep(1.5)
        assert len(service.received) == 1
        verify_vapid(service.received[0].headers["authorization"], PUBLIC, expected_audience=service.origin)
        assert browser.decrypt(service.received[0].body)["url"] == "/checkin/"
    assert ReminderSent.objects.count() == 1

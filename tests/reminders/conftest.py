"""Reminder personas and a beat that runs on a controlled clock."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reminders.models import ReminderPreference, ReminderSent
from reminders.tasks import send_due_reminders_task
from tests.conftest import GOOD_ANSWERS, make_patient
from tracker.services import checkin_submit

UTC = ZoneInfo("UTC")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def reminded_patient(team, username, zone, at: time, *, channel="email", enrolled_at=None, email=None):
    patient = make_patient(team, username, username.title(), "Tester", timezone=zone)
    patient.user.email = email if email is not None else f"{username}@example.org"
    patient.user.save(update_fields=["email"])
    # Most tests run on 10 June 2026: enrolled the day before, so nobody was "missed" yet.
    patient.enrolled_at = enrolled_at or utc("2026-06-09 12:00")
    patient.save(update_fields=["enrolled_at"])
    ReminderPreference.objects.create(patient=patient, channel=channel, time=at)
    return patient


def check_in(patient, now: datetime):
    return checkin_submit(patient=patient, answers=dict(GOOD_ANSWERS), now=now)


@pytest.fixture
def beat(django_capture_on_commit_callbacks):
    """One beat tick at `now`: the real task, with the sends it enqueues run (Celery is eager in tests)."""

    def tick(now: datetime) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_reminders_task(now=now.isoformat())

    return tick


def steps(start: datetime, end: datetime, every: timedelta):
    moment = start
    while moment <= end:
        yield moment
        moment += every


def sent_rows(patient):
    return list(ReminderSent.objects.filter(patient=patient).order_by("local_date"))

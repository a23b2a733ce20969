"""Daily reminders on a controlled clock, across the spring and autumn clock changes.

The expected instants are written out in UTC by hand (not computed with the
code under test), so a wrong offset on the change day shows as a wrong hour.
Beat ticks every 15 minutes here; the reminder times are on quarter hours, so
"sent at the first tick at or after the chosen local time" is exact.
"""

from datetime import time, timedelta

import pytest
from django.core import mail

from reminders.models import ReminderSent
from tests.reminders.conftest import UTC, check_in, reminded_patient, sent_rows, steps, utc

TICK = timedelta(minutes=15)

# (zone, chosen time, first tick, last tick, expected send instants in UTC, one per local day)
CLOCK_CHANGES = {
    # London springs forward at 01:00 GMT on 29 March 2026: 01:30 does not exist that
    # day, so the 01:30 reminder goes at the first instant after the gap (02:00 BST).
    "london-spring-evening": (
        "Europe/London",
        time(19, 0),
        "2026-03-28 00:00",
        "2026-03-30 22:45",
        ["2026-03-28 19:00", "2026-03-29 18:00", "2026-03-30 18:00"],
    ),
    "london-spring-in-the-gap": (
        "Europe/London",
        time(1, 30),
        "2026-03-28 00:00",
        "2026-03-30 22:45",
        ["2026-03-28 01:30", "2026-03-29 01:00", "2026-03-30 00:30"],
    ),
    # London falls back at 02:00 BST on 25 October 2026: 01:30 happens twice; the first counts.
    "london-autumn-evening": (
        "Europe/London",
        time(19, 0),
        "2026-10-23 23:00",
        "2026-10-26 23:45",
        ["2026-10-24 18:00", "2026-10-25 19:00", "2026-10-26 19:00"],
    ),
    "london-autumn-repeated-hour": (
        "Europe/London",
        time(1, 30),
        "2026-10-23 23:00",
        "2026-10-26 23:45",
        ["2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"],
    ),
    # New York springs forward at 02:00 EST on 8 March 2026 (02:30 does not exist).
    "new-york-spring-evening": (
        "America/New_York",
        time(19, 0),
        "2026-03-07 05:00",
        "2026-03-10 03:45",
        ["2026-03-08 00:00", "2026-03-08 23:00", "2026-03-09 23:00"],
    ),
    "new-york-spring-in-the-gap": (
        "America/New_York",
        time(2, 30),
        "2026-03-07 05:00",
        "2026-03-10 03:45",
        ["2026-03-07 07:30", "2026-03-08 07:00", "2026-03-09 06:30"],
    ),
    # New York falls back at 02:00 EDT on 1 November 2026: 01:30 happens twice.
    "new-york-autumn-evening": (
        "America/New_York",
        time(19, 0),
        "2026-10-31 04:00",
        "2026-11-03 04:45",
        ["2026-10-31 23:00", "2026-11-02 00:00", "2026-11-03 00:00"],
    ),
    "new-york-autumn-repeated-hour": (
        "America/New_York",
        time(1, 30),
        "2026-10-31 04:00",
        "2026-11-03 04:45",
        ["2026-10-31 05:30", "2026-11-01 05:30", "2026-11-02 06:30"],
    ),
}


@pytest.mark.parametrize("case", list(CLOCK_CHANGES), ids=list(CLOCK_CHANGES))
def test_each_patient_gets_one_reminder_a_day_at_their_local_time_across_the_clock_change(case, team_a, beat):
    zone, at, first, last, expected = CLOCK_CHANGES[case]
    start, end = utc(first), utc(last)
    patient = reminded_patient(team_a, "pat", zone, at, enrolled_at=start - timedelta(days=1))
    check_in(patient, start - timedelta(hours=1))  # checked in the day before: no "missed" message
    tz = patient.tzinfo()
    for now in steps(start, end, TICK):
        beat(now)
        local = now.astimezone(tz)
        # The patient checks in every evening at 21:00, after both reminder times.
        if local.time() >= time(21, 0) and not patient.checkins.filter(date=local.date()).exists():
            check_in(patient, now)
    rows = sent_rows(patient)
    assert [row.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for row in rows] == expected
    assert {row.kind for row in rows} == {ReminderSent.Kind.DAILY}
    assert {row.status for row in rows} == {ReminderSent.Status.SENT}
    assert len(mail.outbox) == len(expected)


def test_patients_in_two_zones_are_reminded_at_their_own_evening_on_the_same_night(team_a, beat):
    london = reminded_patient(team_a, "lon", "Europe/London", time(19, 0))
    new_york = reminded_patient(team_a, "nyc", "America/New_York", time(19, 0))
    for now in steps(utc("2026-06-10 12:00"), utc("2026-06-11 03:45"), TICK):
        beat(now)
    assert [r.created_at for r in sent_rows(london)] == [utc("2026-06-10 18:00")]
    assert [r.created_at for r in sent_rows(new_york)] == [utc("2026-06-10 23:00")]


def test_no_reminder_comes_once_todays_check_in_is_in(team_a, beat):
    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0))
    check_in(patient, utc("2026-06-10 07:00"))  # 08:00 BST, before the reminder time
    for now in steps(utc("2026-06-10 07:15"), utc("2026-06-10 22:45"), TICK):
        beat(now)
    assert sent_rows(patient) == []
    assert mail.outbox == []


def test_a_reminder_queued_before_the_check_in_arrived_is_skipped_not_sent(team_a):
    from reminders.services import reminder_send, reminders_queue

    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0))
    now = utc("2026-06-10 18:00")
    [reminder_id] = reminders_queue(now=now)
    check_in(patient, now)  # the patient was quicker than the worker
    assert reminder_send(reminder_id=reminder_id, now=now + timedelta(seconds=5)) == "skipped"
    assert ReminderSent.objects.get(pk=reminder_id).status == ReminderSent.Status.SKIPPED
    assert mail.outbox == []


def test_after_two_missed_days_one_gentle_message_then_daily_reminders_again(team_a, beat):
    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0), enrolled_at=utc("2026-06-01 09:00"))
    check_in(patient, utc("2026-06-01 10:00"))  # checked in on 1 June, then silence
    for day in range(2, 8):
        beat(utc(f"2026-06-0{day} 18:00"))
        beat(utc(f"2026-06-0{day} 18:30"))  # a second tick the same evening changes nothing
    kinds = {row.local_date.day: row.kind for row in sent_rows(patient)}
    # 2 and 3 June missed: the message comes on the 4th, once, not every day after.
    assert kinds == {2: "daily", 3: "daily", 4: "missed", 5: "daily", 6: "daily", 7: "daily"}
    assert [m.subject for m in mail.outbox].count("We haven't heard from you") == 1
    # Back on the 7th (after the reminder), then two more silent days: a new absence, one new message.
    check_in(patient, utc("2026-06-07 20:00"))
    for day in range(8, 12):
        beat(utc(f"2026-06-{day:02d} 18:00"))
    kinds = {row.local_date.day: row.kind for row in sent_rows(patient) if row.local_date.day >= 8}
    assert kinds == {8: "daily", 9: "daily", 10: "missed", 11: "daily"}


def test_a_patient_enrolled_today_is_not_told_they_were_missed(team_a, beat):
    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0), enrolled_at=utc("2026-06-10 09:00"))
    beat(utc("2026-06-10 18:00"))
    beat(utc("2026-06-11 18:00"))
    assert [row.kind for row in sent_rows(patient)] == ["daily", "daily"]


def test_the_beat_task_run_twice_at_the_same_moment_sends_one_reminder(team_a, beat):
    patient = reminded_patient(team_a, "pat", "America/New_York", time(8, 0))
    now = utc("2026-06-10 12:00")  # 08:00 EDT
    beat(now)
    beat(now)
    beat(now + timedelta(minutes=1))
    assert len(sent_rows(patient)) == 1
    assert len(mail.outbox) == 1


def test_a_send_task_delivered_twice_sends_once(team_a):
    from reminders.services import reminder_send, reminders_queue

    reminded_patient(team_a, "pat", "Europe/London", time(19, 0))
    now = utc("2026-06-10 18:00")
    [reminder_id] = reminders_queue(now=now)
    assert reminders_queue(now=now) == []  # the database already holds today's reminder
    assert reminder_send(reminder_id=reminder_id, now=now) == "sent"
    assert reminder_send(reminder_id=reminder_id, now=now) == "not-due-or-taken"
    assert len(mail.outbox) == 1


def test_patients_who_chose_no_reminder_or_have_no_log_in_get_none(team_a, beat):
    reminded_patient(team_a, "quiet", "Europe/London", time(19, 0), channel="none")
    inactive = reminded_patient(team_a, "gone", "Europe/London", time(19, 0))
    inactive.user.is_active = False
    inactive.user.save(update_fields=["is_active"])
    beat(utc("2026-06-10 18:30"))
    assert ReminderSent.objects.count() == 0


def test_finding_due_patients_takes_the_same_queries_for_one_or_many(team_a, django_assert_max_num_queries):
    from reminders.selectors import reminders_due

    for i in range(12):
        reminded_patient(team_a, f"p{i}", "Europe/London" if i % 2 else "America/New_York", time(6, 0))
    with django_assert_max_num_queries(4):
        due = reminders_due(now=utc("2026-06-10 12:00"))
    assert len(due) == 12

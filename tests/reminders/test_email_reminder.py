"""Email reminders: through Django's locmem backend in tests, and a real SMTP refusal for failures."""

from datetime import time

from django.core import mail

from reminders.models import ReminderPreference, ReminderSent
from reminders.services import reminder_send, reminders_queue
from tests.conftest import add_history
from tests.notifications.stand_ins import free_port
from tests.reminders.conftest import reminded_patient, utc

NOW = utc("2026-06-10 18:00")


def send_todays(now=NOW) -> list[str]:
    return [reminder_send(reminder_id=pk, now=now) for pk in reminders_queue(now=now)]


def test_the_email_reminder_links_to_the_check_in_and_holds_no_health_data(team_a, settings):
    settings.SITE_URL = "https://myelotrack.example"
    patient = reminded_patient(team_a, "zebedee", "Europe/London", time(19, 0), email="zeb@example.org")
    add_history(patient, days=1, start=utc("2026-06-09 12:00").date())
    assert send_todays() == ["sent"]
    [message] = mail.outbox
    assert message.to == ["zeb@example.org"]
    assert message.subject == "Time for your MyeloTrack check-in"
    assert "https://myelotrack.example/checkin/" in message.body
    text = (message.subject + message.body).lower()
    for private in ("zebedee", "tester", "total", "walking", "bladder", "hands", "spine clinic"):
        assert private not in text, private


def test_an_address_given_for_reminders_wins_over_the_accounts(team_a):
    patient = reminded_patient(team_a, "pat", "Europe/London", time(19, 0), email="account@example.org")
    ReminderPreference.objects.filter(patient=patient).update(email="reminders@example.org")
    send_todays()
    assert mail.outbox[0].to == ["reminders@example.org"]


def test_without_any_address_the_reminder_is_logged_as_failed(team_a, caplog):
    reminded_patient(team_a, "pat", "Europe/London", time(19, 0), email="")
    assert send_todays() == ["failed"]
    row = ReminderSent.objects.get()
    assert (row.status, row.error) == (ReminderSent.Status.FAILED, "No email address for the reminder.")
    assert "failed permanently" in caplog.text
    assert mail.outbox == []


def test_a_mail_server_that_is_down_means_a_retry_not_a_lost_reminder(team_a, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2  # nothing listens
    reminded_patient(team_a, "pat", "Europe/London", time(19, 0))
    assert send_todays() == ["retry"]
    row = ReminderSent.objects.get()
    assert row.status == ReminderSent.Status.PENDING and row.attempts == 1 and "Email failed" in row.error
    assert "retry in" in caplog.text


def test_a_reminder_not_sent_by_the_end_of_the_patients_day_is_dropped(team_a):
    reminded_patient(team_a, "pat", "Europe/London", time(19, 0))
    [reminder_id] = reminders_queue(now=NOW)
    assert reminder_send(reminder_id=reminder_id, now=utc("2026-06-10 23:30")) == "skipped"  # 00:30 BST next day
    assert "day was over" in ReminderSent.objects.get().error
    assert mail.outbox == []

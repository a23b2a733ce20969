"""A clinician's notification preferences page."""

from datetime import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.context_processors import open_alerts
from notifications.models import NotificationPreference

VALID = {
    "email_enabled": "on",
    "email_min_severity": "moderate",
    "webhook_url": "https://pager.example.org/hook",
    "webhook_secret": "a-long-shared-secret",
    "webhook_min_severity": "urgent",
    "quiet_start": "22:00",
    "quiet_end": "07:00",
    "timezone": "Europe/London",
}


def test_the_page_shows_the_defaults(clinician_client):
    response = clinician_client.get(reverse("alert_preferences"))
    assert response.status_code == 200
    assert response.context["form"]["email_min_severity"].value() == "high"


def test_saving_preferences(clinician_client, clinician):
    response = clinician_client.post(reverse("alert_preferences"), VALID)
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=clinician)
    assert (pref.email_min_severity, pref.webhook_url, pref.webhook_secret) == (
        "moderate",
        "https://pager.example.org/hook",
        "a-long-shared-secret",
    )
    assert (pref.quiet_start, pref.quiet_end) == (time(22, 0), time(7, 0))


def test_the_secret_is_never_shown_and_kept_when_left_empty(clinician_client, clinician):
    clinician_client.post(reverse("alert_preferences"), VALID)
    page = clinician_client.get(reverse("alert_preferences")).content.decode()
    assert "a-long-shared-secret" not in page
    clinician_client.post(reverse("alert_preferences"), {**VALID, "webhook_secret": "", "email_min_severity": "low"})
    pref = NotificationPreference.objects.get(user=clinician)
    assert (pref.webhook_secret, pref.email_min_severity) == ("a-long-shared-secret", "low")


def test_a_webhook_without_a_secret_is_a_400_naming_the_field(clinician_client, clinician):
    response = clinician_client.post(reverse("alert_preferences"), {**VALID, "webhook_secret": ""})
    assert response.status_code == 400
    assert "webhook_secret" in response.context["form"].errors
    assert not NotificationPreference.objects.filter(user=clinician).exists()


def test_bad_values_are_a_400_naming_each_field(clinician_client, clinician):
    bad = {**VALID, "timezone": "Mars/Olympus", "webhook_url": "ftp://x.example.org", "quiet_end": ""}
    response = clinician_client.post(reverse("alert_preferences"), bad)
    assert response.status_code == 400
    assert {"timezone", "webhook_url", "quiet_end"} <= set(response.context["form"].errors)
    assert not NotificationPreference.objects.filter(user=clinician).exists()


def test_preferences_are_per_clinician(client, clinician, other_clinician):
    client.force_login(other_clinician)
    client.post(reverse("alert_preferences"), VALID)
    assert list(NotificationPreference.objects.values_list("user__username", flat=True)) == ["nurse.b"]


def test_the_nav_badge_costs_one_query(rf, clinician, patient):
    request = rf.get("/")
    request.user = clinician
    with CaptureQueriesContext(connection) as queries:
        assert open_alerts(request) == {"open_alert_count": 0}
    assert len(queries.captured_queries) == 1


def test_patients_get_no_badge_and_no_query(rf, patient):
    request = rf.get("/")
    request.user = patient.user
    with CaptureQueriesContext(connection) as queries:
        assert open_alerts(request) == {}
    assert queries.captured_queries == []

"""Password guessing is stopped on every log-in door; the lock lifts by itself or by an admin."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def html_login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def admin_login(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"})


def api_login(client, username, password):
    return APIClient().post(
        reverse("api-token"), json.dumps({"username": username, "password": password}), content_type="application/json"
    )


@pytest.mark.parametrize("door", [html_login, admin_login, api_login], ids=["page", "admin", "api"])
def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_how_long_to_wait(
    client, admin_user, door, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "1000/min", "login_account": "1000/hour", "checkin": "1000/hour"},
    }
    for _ in range(4):
        assert door(client, admin_user.username, "wrong-guess").status_code in (200, 400)
    assert door(client, admin_user.username, "wrong-guess").status_code == 429  # the fifth locks
    response = door(client, admin_user.username, PASSWORD)
    assert response.status_code == 429
    assert "paused for 15 minutes" in response.content.decode()
    assert response["Retry-After"] == "900"


def test_the_lock_lifts_after_the_cool_off(client, patient):
    for _ in range(5):
        html_login(client, patient.user.username, "wrong-guess")
    assert html_login(client, patient.user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert html_login(client, patient.user.username, PASSWORD).status_code == 302


def test_an_admin_lifts_a_lock_at_once(client, patient):
    for _ in range(5):
        html_login(client, patient.user.username, "wrong-guess")
    call_command("axes_reset_username", patient.user.username)
    assert html_login(client, patient.user.username, PASSWORD).status_code == 302


def test_an_overlong_user_name_is_a_failed_log_in_not_an_error(client):
    assert html_login(client, "x" * 5000, "wrong").status_code == 400

"""Fixtures and helpers shared by the tracker tests."""

from datetime import time

import psycopg
import pytest
from django.db import connection

from notifications.models import NotificationPreference
from patients.models import CareTeamMembership, User


@pytest.fixture
def clinicians(team_a, clinician):
    """Two clinicians with different channels, so deliveries depend on severity and quiet hours."""
    night = User.objects.create_user("night.a", role=User.Role.CLINICIAN, email="night.a@example.org")
    CareTeamMembership.objects.create(team=team_a, user=night, team_role="doctor")
    NotificationPreference.objects.create(
        user=night,
        email_min_severity="moderate",
        webhook_url="https://hooks.example.org/night",
        webhook_secret="s3cret",  # nosec B106: a test value
        webhook_min_severity="moderate",
        quiet_start=time(0, 0),
        quiet_end=time(23, 59),
    )
    return [clinician, night]


def outside_connection(autocommit: bool = False) -> psycopg.Connection:
    """A psycopg connection to the test database of its own, outside Django's: to stage a race or watch locks."""
    cfg = connection.settings_dict
    return psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname=cfg["NAME"],
        autocommit=autocommit,
    )

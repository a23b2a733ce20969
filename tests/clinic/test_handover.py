"""The hand-over page: what changed on my teams since a time, for the next shift."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Alert, NotificationPreference
from patients.models import Caregiver, User
from tests.conftest import login, make_patient, make_user
from tracker.models import CheckIn

URL = reverse("team_handover")


def alert(patient, *, hours_ago, rule="sustained_decline", severity="high", **extra):
    return Alert.objects.create(
        patient=patient,
        rule=rule,
        severity=severity,
        date=timezone.localdate(),
        evidence=f"Evidence for {patient.first_name}",
        opened_at=timezone.now() - timedelta(hours=hours_ago),
        **extra,
    )


def red_flag_checkin(patient, *, hours_ago):
    c = CheckIn(patient=patient, date=timezone.localdate(), fine_motor=4, gait=6, sensation=2, bladder=3)
    c.rf_weakness = True
    c.compute_derived()
    c.save()
    CheckIn.objects.filter(pk=c.pk).update(updated_at=timezone.now() - timedelta(hours=hours_ago))
    return c


def local_input(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_it_lists_new_acknowledged_and_resolved_alerts_and_red_flags_of_the_last_shift(
    clinician_client, clinician, patient, other_patient
):
    now = timezone.now()
    alert(patient, hours_ago=2)
    alert(
        other_patient,
        hours_ago=30,
        rule="missed_checkins",
        status="acknowledged",
        acknowledged_at=now,
        acknowledged_by=clinician,
    )
    alert(
        other_patient,
        hours_ago=40,
        rule="domain_drop",
        status="resolved",
        resolved_at=now - timedelta(hours=1),
        resolved_by=clinician,
        outcome=Alert.Outcome.CALLED_PATIENT,
        resolution_note="Spoke with her, visit next week",
    )
    red_flag_checkin(patient, hours_ago=3)

    response = clinician_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    opened, acknowledged, resolved, red_flags = (
        html[html.index(f'id="handover-{s}"') :].split("</section>")[0]
        for s in ("opened", "acknowledged", "resolved", "red-flags")
    )
    assert "Evidence for Ada" in opened and "Brian" not in opened
    assert "missed checkins" in acknowledged and clinician.display_name in acknowledged
    assert "Called patient" in resolved and clinician.display_name in resolved and "visit next week" in resolved
    assert "Ada Lovelace" in red_flags and "weakness" in red_flags.lower()


def test_changes_before_the_chosen_time_are_left_out(clinician_client, patient):
    alert(patient, hours_ago=13)
    red_flag_checkin(patient, hours_ago=14)
    html = clinician_client.get(URL).content.decode()
    assert "Evidence for Ada" not in html and 'id="handover-empty"' in html

    since = local_input(timezone.now() - timedelta(hours=24))
    html = clinician_client.get(URL, {"since": since}).content.decode()
    assert "Evidence for Ada" in html and 'id="handover-empty"' not in html


def test_another_teams_changes_are_not_shown(clinician_client, team_b_patient):
    alert(team_b_patient, hours_ago=1)
    red_flag_checkin(team_b_patient, hours_ago=1)
    html = clinician_client.get(URL).content.decode()
    assert "Cora" not in html and "Evidence for Cora" not in html


@pytest.mark.parametrize(
    "since, message",
    [
        ("yesterday", "Enter a valid date/time"),
        ("2026-13-40T25:61", "Enter a valid date/time"),
        ("2999-01-01T00:00", "Choose a time in the past"),
        ("2001-01-01T00:00", "within the last 31 days"),
    ],
)
def test_a_bad_since_is_a_400_naming_the_field(clinician_client, since, message):
    response = clinician_client.get(URL, {"since": since})
    assert response.status_code == 400
    assert "since:" in response.content.decode() and message in response.content.decode()


def test_patients_and_caregivers_get_403(client, patient):
    login(client, patient.user)
    assert client.get(URL).status_code == 403
    helper = make_user("helper", User.Role.CAREGIVER)
    Caregiver.objects.create(user=helper, patient=patient)
    login(client, helper)
    assert client.get(URL).status_code == 403


def test_the_nav_links_to_the_hand_over_for_the_care_team(clinician_client):
    html = clinician_client.get(reverse("alert_inbox")).content.decode()
    assert f'href="{URL}"' in html


def test_the_hand_over_query_count_does_not_grow_with_patients(clinician_client, team_a, clinician):
    def populate(n):
        for i in range(n):
            p = make_patient(team_a, None, f"P{i}{n}", "Test")
            alert(p, hours_ago=1, assigned_to=clinician)
            alert(
                p,
                hours_ago=20,
                rule="missed_checkins",
                status="resolved",
                resolved_at=timezone.now(),
                resolved_by=clinician,
                outcome="false_alarm",
            )
            red_flag_checkin(p, hours_ago=1)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = clinician_client.get(URL)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    populate(3)
    small = count()
    populate(20)
    assert count() == small


def test_the_since_field_shows_the_time_used_even_by_default(clinician_client):
    html = clinician_client.get(URL).content.decode()
    assert (
        f'value="{local_input(timezone.now() - timedelta(hours=12))}"' in html
        or f'value="{local_input(timezone.now() - timedelta(hours=12, minutes=1))}"' in html
    )
    chosen = local_input(timezone.now() - timedelta(hours=30))
    assert f'value="{chosen}"' in clinician_client.get(URL, {"since": chosen}).content.decode()


def test_since_is_read_and_times_shown_in_the_clinicians_own_time_zone(clinician_client, clinician, patient):
    NotificationPreference.objects.create(user=clinician, timezone="Asia/Tokyo")
    opened = alert(patient, hours_ago=5)
    tokyo = ZoneInfo("Asia/Tokyo")
    since = (timezone.now() - timedelta(hours=6)).astimezone(tokyo).strftime("%Y-%m-%dT%H:%M")
    # Read as UTC this would be three hours ahead, a 400 "in the past".
    response = clinician_client.get(URL, {"since": since})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Evidence for Ada" in html
    assert opened.opened_at.astimezone(tokyo).strftime("%-d %b %Y, %H:%M") in html

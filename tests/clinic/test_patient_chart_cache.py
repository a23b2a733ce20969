"""The chart page's cached part (clinic/chart_page.py): every change to what it shows shows on the next load."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from clinic import chart_page
from clinic.chart_page import chart_page_annotations, chart_page_key, patient_chart_page
from motor.models import MotorSettings, MotorTeamRules, MotorTest
from notifications.models import Alert
from notifications.services import alert_acknowledge
from patients.models import Patient, PatientEvent
from tests.clinic.test_patient_chart import figure_of, set_baseline
from tests.conftest import GOOD_ANSWERS, add_history, login
from tracker.charts import clinician_figure_data, figure_json
from tracker.models import Baseline, CheckIn
from tracker.services import checkin_submit
from tracker.trends import range_bounds, trend_series

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the chart cache's key needs PostgreSQL")
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def year(patient):
    set_baseline(patient)
    add_history(patient, days=365)
    Alert.objects.create(
        patient=patient, rule="drift", severity="moderate", date=patient.local_today(), evidence="Drift"
    )
    return patient


def page_figure(client, patient, range_key="90d") -> dict:
    response = client.get(reverse("patient_detail", args=[patient.pk]), {"range": range_key})
    assert response.status_code == 200
    return figure_of(response.content.decode(), "clinician-chart")


def fresh_figure(patient, range_key="90d") -> dict:
    """The figure computed from the database now, with no cache."""
    start, end = range_bounds(range_key, patient=patient)
    return json.loads(figure_json(clinician_figure_data(trend_series(patient=patient, start=start, end=end))))


def page_html(client, patient, range_key="90d") -> str:
    """The page as sent, without its CSRF tokens (masked afresh on every response)."""
    response = client.get(reverse("patient_detail", args=[patient.pk]), {"range": range_key})
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def fresh_html(client, patient, range_key="90d") -> str:
    """The page drawn from the database now, with no cache."""
    with override_settings(CACHES=NO_CACHE):
        return page_html(client, patient, range_key)


def assert_next_load_shows(client, patient, change, range_key="90d"):
    before = page_figure(client, patient, range_key)
    assert page_figure(client, patient, range_key) == before  # the second load is the cached one
    change()
    after = page_figure(client, patient, range_key)
    assert after != before, "the change should alter the chart"
    assert after == fresh_figure(patient, range_key)
    assert page_html(client, patient, range_key) == fresh_html(client, patient, range_key)


def assert_next_page_shows(client, patient, change, text: str, range_key="90d"):
    """For what is not drawn on the check-in chart: the cached page, the change, and `text` on the next load."""
    before = page_html(client, patient, range_key)
    assert text not in before
    assert page_html(client, patient, range_key) == before  # the second load is the cached one
    change()
    after = page_html(client, patient, range_key)
    assert text in after
    assert after == fresh_html(client, patient, range_key)


def test_a_second_load_reads_only_the_patient_besides_the_session_audit_and_badge(
    clinician_client, year, django_assert_num_queries
):
    # The cache's digest comes with the patient. First load: session, user,
    # patient, audit, alerts, check-ins, baselines, events, recent check-ins,
    # phone tests, badge; then the cached part stands for the six reads
    # between the audit row and the badge.
    with django_assert_num_queries(11):
        page_figure(clinician_client, year, "1y")
    with django_assert_num_queries(5):
        page_figure(clinician_client, year, "1y")


def test_the_cached_page_is_the_page_drawn_without_the_cache(clinician_client, year):
    page_html(clinician_client, year, "1y")
    assert page_html(clinician_client, year, "1y") == fresh_html(clinician_client, year, "1y")


def test_the_cached_part_holds_nothing_of_the_clinician_who_loaded_it(year):
    entry = patient_chart_page(patient=year, range_key="1y")
    for part in (entry["figures"], entry["body"]):
        assert "csrf" not in part and "Log out" not in part


def test_a_patient_of_another_team_is_still_not_found_once_cached(clinician_client, year, other_clinician, client):
    page_html(clinician_client, year)
    response = login(client, other_clinician).get(reverse("patient_detail", args=[year.pk]), {"range": "90d"})
    assert response.status_code == 404


def test_a_new_check_in_shows(clinician_client, year):
    assert_next_load_shows(clinician_client, year, lambda: checkin_submit(patient=year, answers=dict(GOOD_ANSWERS)))


def test_an_edited_check_in_shows_even_when_changed_by_a_bulk_update(clinician_client, year):
    day = year.local_today() - timedelta(days=3)
    # .update() bypasses auto_now: the key is the rows' content, not a timestamp.
    assert_next_load_shows(
        clinician_client,
        year,
        lambda: CheckIn.objects.filter(patient=year, date=day).update(gait=3, total=11),
    )


def test_a_note_added_to_a_check_in_shows_in_the_recent_check_ins(clinician_client, year):
    # Notes are not drawn on the chart; the table of recent check-ins shows them.
    day = year.local_today() - timedelta(days=2)
    assert_next_page_shows(
        clinician_client,
        year,
        lambda: CheckIn.objects.filter(patient=year, date=day).update(note="fell on stairs"),
        "fell on stairs",
    )


def test_a_deleted_check_in_shows(clinician_client, year):
    day = year.local_today() - timedelta(days=5)
    assert_next_load_shows(clinician_client, year, lambda: CheckIn.objects.filter(patient=year, date=day).delete())


def test_a_new_alert_shows(clinician_client, year):
    assert_next_load_shows(
        clinician_client,
        year,
        lambda: Alert.objects.create(
            patient=year, rule="red_flag", severity="urgent", date=year.local_today() - timedelta(days=4), evidence="RF"
        ),
    )


def test_an_alert_acknowledged_shows(clinician_client, year, clinician):
    alert = Alert.objects.get(patient=year)
    assert_next_load_shows(clinician_client, year, lambda: alert_acknowledge(alert=alert, user=clinician))


def test_an_alert_resolved_shows_though_it_leaves_the_open_list(clinician_client, year):
    alert = Alert.objects.get(patient=year)
    assert_next_load_shows(
        clinician_client,
        year,
        lambda: Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.RESOLVED, outcome="called_patient"),
    )


def test_a_new_baseline_shows(clinician_client, year):
    assert_next_load_shows(clinician_client, year, lambda: set_baseline(year, total=13.0, days_ago=20))


def test_an_edited_baseline_shows(clinician_client, year):
    assert_next_load_shows(clinician_client, year, lambda: Baseline.objects.filter(patient=year).update(total=14))


def test_a_new_event_shows(clinician_client, year, clinician):
    assert_next_load_shows(
        clinician_client,
        year,
        lambda: PatientEvent.objects.create(
            patient=year, kind="surgery", date=year.local_today() - timedelta(days=30), created_by=clinician
        ),
    )


def test_an_edited_event_shows(clinician_client, year, clinician):
    PatientEvent.objects.create(patient=year, kind="visit", date=year.local_today() - timedelta(days=30), note="a")
    assert_next_load_shows(
        clinician_client, year, lambda: PatientEvent.objects.filter(patient=year).update(note="seen by the surgeon")
    )


def test_the_team_thresholds_show(clinician_client, year):
    def change():
        year.care_team.rule_overrides = {"mcid": 3}
        year.care_team.save(update_fields=["rule_overrides"])

    assert_next_load_shows(clinician_client, year, change)


def test_the_range_moves_with_the_patients_day(year):
    today = year.local_today()
    yesterday = today - timedelta(days=1)
    first = patient_chart_page(patient=year, range_key="90d", today=yesterday)
    second = patient_chart_page(patient=year, range_key="90d", today=today)
    assert first["body"] != second["body"]
    assert chart_page_key(patient=year, range_key="90d", today=yesterday) != chart_page_key(
        patient=year, range_key="90d", today=today
    )


def test_with_the_cache_down_the_page_still_renders_the_current_chart(clinician_client, year, throwaway_redis_cache):
    before = page_figure(clinician_client, year)
    throwaway_redis_cache.stop()
    checkin_submit(patient=year, answers=dict(GOOD_ANSWERS))
    after = page_figure(clinician_client, year)
    assert after != before and after == fresh_figure(year)


def test_the_digest_read_with_the_patient_is_the_one_read_on_its_own(year):
    annotated = Patient.objects.annotate(**chart_page_annotations()).get(pk=year.pk)
    plain = Patient.objects.get(pk=year.pk)
    today = year.local_today()
    assert annotated.chart_rows_digest
    assert chart_page_key(patient=annotated, range_key="1y", today=today) == chart_page_key(
        patient=plain, range_key="1y", today=today
    )


def digest_of(patient) -> str:
    return Patient.objects.annotate(**chart_page_annotations()).get(pk=patient.pk).chart_rows_digest


def test_every_update_of_a_row_is_a_new_digest_even_twice_in_one_transaction_and_changing_nothing(year):
    # A test runs in one transaction: every row version here has the same
    # xmin, so only the version's place (ctid) tells them apart.
    day = year.local_today() - timedelta(days=1)
    seen = {digest_of(year)}
    for gait in (3, 3, 5):
        CheckIn.objects.filter(patient=year, date=day).update(gait=gait)
        seen.add(digest_of(year))
    assert len(seen) == 4


def test_a_change_to_what_draws_the_page_is_a_new_key(year, monkeypatch):
    today = year.local_today()
    key = chart_page_key(patient=year, range_key="90d", today=today)
    chart_page._drawn_by_fingerprint.cache_clear()
    monkeypatch.setattr(chart_page, "DRAWN_BY_TEMPLATES", (*chart_page.DRAWN_BY_TEMPLATES, "base.html"))
    try:
        assert chart_page_key(patient=year, range_key="90d", today=today) != key
    finally:
        chart_page._drawn_by_fingerprint.cache_clear()


def a_phone_test(patient, days_ago: int, count: int, **extra) -> MotorTest:
    day = patient.local_today() - timedelta(days=days_ago)
    return MotorTest.objects.create(
        patient=patient,
        kind="tap",
        side="right",
        client_id=uuid.uuid4(),
        started_at=timezone.now() - timedelta(days=days_ago),
        date=day,
        count=count,
        misses=0,
        input_method="touch",
        **extra,
    )


def test_a_new_phone_test_shows(clinician_client, year):
    assert_next_page_shows(clinician_client, year, lambda: a_phone_test(year, 3, 41), "41 taps")


def test_an_edited_phone_test_shows(clinician_client, year):
    test = a_phone_test(year, 3, 41)
    assert_next_page_shows(
        clinician_client, year, lambda: MotorTest.objects.filter(pk=test.pk).update(count=38), "38 taps"
    )


def test_changed_phone_test_settings_show(clinician_client, year):
    assert_next_page_shows(
        clinician_client,
        year,
        lambda: MotorSettings.objects.create(patient=year, enabled=True, every_days=14, walk_distance_m=10),
        "suggested every 14 days",
    )


def test_the_teams_phone_test_rules_are_in_the_key(year):
    today = year.local_today()
    key = chart_page_key(patient=Patient.objects.get(pk=year.pk), range_key="90d", today=today)
    MotorTeamRules.objects.create(team=year.care_team, overrides={"practice_tries": 2})
    assert chart_page_key(patient=Patient.objects.get(pk=year.pk), range_key="90d", today=today) != key


def test_a_renamed_clinician_shows_where_they_entered_a_check_in(clinician_client, year, clinician):
    CheckIn.objects.filter(patient=year, date=year.local_today() - timedelta(days=1)).update(entered_by=clinician)
    clinician.first_name, clinician.last_name = "Nadia", "Okafor"
    assert_next_page_shows(
        clinician_client,
        year,
        lambda: clinician.save(update_fields=["first_name", "last_name"]),
        "Care team (Nadia Okafor)",
    )


def test_a_new_open_alert_from_before_the_range_shows_in_the_list_and_the_count(clinician_client, year):
    def change():
        Alert.objects.create(
            patient=year,
            rule="domain_drop",
            severity="high",
            date=year.local_today() - timedelta(days=200),
            evidence="Old and still open",
        )

    assert_next_page_shows(clinician_client, year, change, "Old and still open")
    assert "<dt>Open alerts</dt><dd>2</dd>" in page_html(clinician_client, year)

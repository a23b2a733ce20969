"""The chart page's cached trend and figure: every change to what the chart shows shows on the next load."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from clinic.reports import patient_chart_context
from notifications.models import Alert
from notifications.services import alert_acknowledge
from patients.models import PatientEvent
from tests.clinic.test_patient_chart import figure_of, set_baseline
from tests.conftest import GOOD_ANSWERS, add_history
from tracker.chart_cache import chart_key
from tracker.charts import clinician_figure_data, figure_json
from tracker.models import Baseline, CheckIn
from tracker.services import checkin_submit
from tracker.trends import range_bounds, trend_series

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the chart cache's key needs PostgreSQL")


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


def assert_next_load_shows(client, patient, change, range_key="90d"):
    before = page_figure(client, patient, range_key)
    assert page_figure(client, patient, range_key) == before  # the second load is the cached one
    change()
    after = page_figure(client, patient, range_key)
    assert after != before, "the change should alter the chart"
    assert after == fresh_figure(patient, range_key)


def test_a_second_load_reads_neither_check_ins_nor_baselines_nor_events(
    clinician_client, year, django_assert_num_queries
):
    # The cache's digest comes with the patient. First load: the three reads
    # it stands for; then none of them: session, user, patient, audit,
    # alerts, recent check-ins, phone tests, badge.
    with django_assert_num_queries(11):
        page_figure(clinician_client, year, "1y")
    with django_assert_num_queries(8):
        page_figure(clinician_client, year, "1y")


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


def test_a_note_added_to_a_check_in_shows_in_the_trend(clinician_client, year):
    # Notes are not drawn; the page's trend (its summary, the latest level) carries them.
    day = year.local_today() - timedelta(days=2)
    url = reverse("patient_detail", args=[year.pk])
    assert clinician_client.get(url).context["trend"]["notes"] == []
    CheckIn.objects.filter(patient=year, date=day).update(note="fell on stairs")
    assert clinician_client.get(url).context["trend"]["notes"] == [{"date": day.isoformat(), "note": "fell on stairs"}]


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
    alerts = list(Alert.objects.filter(patient=year))
    first = patient_chart_context(patient=year, range_key="90d", today=today - timedelta(days=1))
    second = patient_chart_context(patient=year, range_key="90d", today=today)
    assert first["trend"]["end"] != second["trend"]["end"] == today.isoformat()
    start, end = range_bounds("90d", patient=year, today=today)
    key = chart_key(patient=year, start=start, end=end, alerts=alerts)
    start, end = range_bounds("90d", patient=year, today=today - timedelta(days=1))
    assert chart_key(patient=year, start=start, end=end, alerts=alerts) != key


def test_with_the_cache_down_the_page_still_renders_the_current_chart(clinician_client, year, throwaway_redis_cache):
    before = page_figure(clinician_client, year)
    throwaway_redis_cache.stop()
    checkin_submit(patient=year, answers=dict(GOOD_ANSWERS))
    after = page_figure(clinician_client, year)
    assert after != before and after == fresh_figure(year)


def test_the_digest_read_with_the_patient_is_the_one_read_on_its_own(year):
    from patients.models import Patient
    from tracker.chart_cache import chart_cache_annotations

    annotated = Patient.objects.annotate(**chart_cache_annotations()).get(pk=year.pk)
    plain = Patient.objects.get(pk=year.pk)
    start, end = range_bounds("1y", patient=year)
    alerts = list(Alert.objects.filter(patient=year))
    assert annotated.chart_rows_digest
    assert chart_key(patient=annotated, start=start, end=end, alerts=alerts) == chart_key(
        patient=plain, start=start, end=end, alerts=alerts
    )

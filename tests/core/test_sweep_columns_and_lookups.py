"""The sweep's cheaper SQL: detector states as json text, and id lists as one array (core.fields, core.lookups)."""

import pytest
from django.db import connection
from django.db.models import Q

from patients.models import Patient

pytestmark = pytest.mark.django_db

STATE = {"version": 2, "totals": [15, 14, 16], "open": {"sustained_decline": "2026-11-30"}, "sd": 0.94, "note": "é"}


def test_a_detector_state_comes_back_as_written_through_save_update_and_a_fresh_read(patient, other_patient):
    patient.detector_state = STATE
    patient.save(update_fields=["detector_state"])
    Patient.objects.filter(pk=other_patient.pk).update(detector_state={"nested": [STATE]})
    assert Patient.objects.get(pk=patient.pk).detector_state == STATE
    assert Patient.objects.get(pk=other_patient.pk).detector_state == {"nested": [STATE]}
    assert Patient.objects.filter(pk=patient.pk).values_list("detector_state", flat=True).get() == STATE


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's column types")
def test_on_postgresql_the_state_is_a_json_column_not_jsonb():
    # jsonb takes every 1 kB state apart on the way in: a rebuild wrote 2,000 in 150 ms, json in 30 ms.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = 'detector_state'",
            [Patient._meta.db_table],
        )
        assert cursor.fetchone() == ("json",)


def test_any_matches_the_same_rows_as_in(patient, other_patient, team_a):
    ids = [patient.pk, other_patient.pk, 10**9]
    assert (
        set(Patient.objects.filter(pk__any=ids))
        == set(Patient.objects.filter(pk__in=ids))
        == {
            patient,
            other_patient,
        }
    )
    assert list(Patient.objects.filter(care_team_id__any=[team_a.pk]).order_by("pk")) == list(
        Patient.objects.filter(care_team_id__in=[team_a.pk]).order_by("pk")
    )
    assert list(Patient.objects.filter(care_team__any=[team_a.pk + 1000])) == []


def test_any_matches_names_and_days_as_in_does_and_leaves_none_out(patient, other_patient):
    names = [patient.last_name, "Nobody", None]
    days = [other_patient.date_of_birth, None]
    assert set(Patient.objects.filter(last_name__any=names)) == set(Patient.objects.filter(last_name__in=names))
    assert set(Patient.objects.filter(date_of_birth__any=days)) == set(Patient.objects.filter(date_of_birth__in=days))
    assert patient in Patient.objects.filter(last_name__any=names)
    assert other_patient in Patient.objects.filter(date_of_birth__any=days)


def test_any_of_nothing_matches_nothing_and_combines_with_or(patient):
    assert list(Patient.objects.filter(pk__any=[])) == []
    assert list(Patient.objects.filter(Q(pk__any=[]) | Q(pk=patient.pk))) == [patient]
    assert list(Patient.objects.exclude(pk__any=[])) == list(Patient.objects.all())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array parameter is PostgreSQL's")
def test_on_postgresql_any_sends_one_parameter_whatever_the_number_of_ids():
    sql, params = Patient.objects.filter(pk__any=list(range(1, 201))).query.sql_with_params()
    assert "= ANY(%s)" in sql and len(params) == 1 and params[0] == list(range(1, 201))


def test_any_refuses_what_is_not_a_whole_number_before_the_database_sees_it():
    with pytest.raises((TypeError, ValueError)):
        list(Patient.objects.filter(pk__any=["1; DROP TABLE"]))

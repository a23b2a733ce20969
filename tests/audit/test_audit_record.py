"""audit_record's one INSERT writes the row AuditEvent.objects.create would; a view's row does not wait for the disk."""

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import (
    audit_change,
    audit_record,
    audit_row,
    audit_view,
    reset_current_request,
    set_current_request,
)

pytestmark = pytest.mark.django_db

COLUMNS = ("actor_id", "actor_name", "action", "what", "patient_id", "path", "address", "detail")


def test_audit_record_writes_every_column_as_the_orm_does(clinician, patient):
    # An IPv6 address the field normalises, a path and a detail the JSON field encodes.
    request = RequestFactory().get("/team/patients/7/", REMOTE_ADDR="2001:0db8:0000:0000:0000:0000:0000:0001")
    token = set_current_request(request)
    try:
        detail = {"patients": [patient.pk], "note": "Zoë's visit", "nested": {"a": [1, 2.5, None]}}
        before = timezone.now()
        audit_record(actor=clinician, action="view", what="patient_detail", patient_id=patient.pk, detail=detail)
        AuditEvent.objects.create(
            **audit_row(actor=clinician, action="view", what="patient_detail", patient_id=patient.pk, detail=detail)
        )
    finally:
        reset_current_request(token)
    ours, orms = AuditEvent.objects.order_by("pk")
    assert [getattr(ours, c) for c in COLUMNS] == [getattr(orms, c) for c in COLUMNS]
    assert ours.address == "2001:db8::1" and ours.detail == detail
    assert before <= ours.at <= orms.at


def test_audit_record_outside_a_request_leaves_path_and_address_empty(clinician):
    audit_record(actor=clinician, action="change", what="membership", patient_id=None)
    row = AuditEvent.objects.get()
    assert (row.path, row.address, row.patient_id, row.detail, row.actor) == ("", None, None, {}, clinician)


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="synchronous_commit is PostgreSQL's")


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_views_row_in_its_own_transaction_does_not_wait_for_the_disk_and_leaves_the_session_as_it_was(
    clinician, patient
):
    with CaptureQueriesContext(connection) as queries:
        audit_view(user=clinician, patient_id=patient.pk, what="patient_detail")
    assert "set_config('synchronous_commit', 'off', true)" in queries[-1]["sql"]
    assert AuditEvent.objects.get().what == "patient_detail"
    assert synchronous_commit() == "on"  # local to the row's own statement


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_views_row_inside_a_transaction_waits_for_the_disk_with_it(clinician, patient):
    # Turning it off there would make the transaction's changes wait for nothing too.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        audit_view(user=clinician, patient_id=patient.pk, what="patient_detail")
        assert synchronous_commit() == "on"
    assert "synchronous_commit" not in queries[0]["sql"]
    assert AuditEvent.objects.count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_changes_row_always_waits_for_the_disk(clinician, patient):
    with CaptureQueriesContext(connection) as queries:
        audit_change(user=clinician, patient_id=patient.pk, what="checkin")
    assert "synchronous_commit" not in queries[-1]["sql"]

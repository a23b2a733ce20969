"""audit_record's one INSERT writes the row AuditEvent.objects.create would."""

import pytest
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record, audit_row, reset_current_request, set_current_request

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

"""core.bulk.bulk_insert stores what bulk_create stores, gives the objects their pks, and fails as the database does."""

from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, transaction

from core.bulk import bulk_insert, copy_rows, model_fields, new_rows
from notifications.models import Alert, AlertEvent


def alert(patient, rule, **fields):
    values = {
        "severity": "high",
        "severity_rank": 1,
        "date": date(2026, 3, 4),
        "evidence": f"{rule} evidence, with a tab\tand a back\\slash",
        "evidence_data": {"window": ["2026-03-01", "2026-03-04"], "drop": 2.5, "note": 'quote " and \\'},
    }
    return Alert(patient=patient, rule=rule, **{**values, **fields})


def stored(a: Alert):
    return (
        a.rule,
        a.severity,
        a.severity_rank,
        a.status,
        a.date,
        a.evidence,
        a.evidence_data,
        a.opened_at,
        a.outcome,
        a.resolved_at,
        a.escalation_level,
    )


def test_rows_inserted_read_back_as_the_same_rows_bulk_create_writes(patient, other_patient):
    opened = datetime(2026, 3, 4, 22, 30, 15, 123456, tzinfo=UTC)
    mine = [
        alert(patient, "sustained_decline", opened_at=opened),
        alert(patient, "drift", status=Alert.Status.RESOLVED, outcome=Alert.Outcome.RECOVERED, resolved_at=opened),
    ]
    theirs = [
        alert(other_patient, "sustained_decline", opened_at=opened),
        alert(
            other_patient, "drift", status=Alert.Status.RESOLVED, outcome=Alert.Outcome.RECOVERED, resolved_at=opened
        ),
    ]
    theirs[1].opened_at = mine[1].opened_at  # the model default: the time of construction

    bulk_insert(mine)
    Alert.objects.bulk_create(theirs)

    assert all(a.pk and not a._state.adding for a in mine)
    assert mine[0].pk < mine[1].pk  # in list order, as bulk_create numbers them
    for ours, reference in zip(mine, theirs, strict=True):
        assert stored(Alert.objects.get(pk=ours.pk)) == stored(Alert.objects.get(pk=reference.pk))
    assert Alert.objects.get(pk=mine[1].pk).status == "resolved"


def test_objects_inserted_can_be_referred_to_by_the_next_insert(patient):
    alerts = bulk_insert([alert(patient, "drift"), alert(patient, "domain_decline")])
    bulk_insert([AlertEvent(alert=a, kind=AlertEvent.Kind.OPENED, detail=a.evidence) for a in alerts])
    assert sorted(AlertEvent.objects.values_list("alert_id", flat=True)) == sorted(a.pk for a in alerts)


def test_a_constraint_violation_is_an_integrity_error_and_writes_nothing(patient):
    bulk_insert([alert(patient, "drift")])
    with pytest.raises(IntegrityError), transaction.atomic():
        # A second unresolved episode of the same rule: the partial unique constraint.
        bulk_insert([alert(patient, "domain_decline"), alert(patient, "drift")])
    assert list(Alert.objects.values_list("rule", flat=True)) == ["drift"]


def test_nothing_to_insert_runs_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_insert([]) == []


def test_rows_copied_as_values_get_their_pks_in_order(patient):
    (a,) = bulk_insert([alert(patient, "drift")])
    at = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    names = model_fields(AlertEvent)
    rows = [
        [{"alert_id": a.pk, "kind": kind, "actor_id": None, "at": at, "detail": detail}[n] for n in names]
        for kind, detail in [("opened", "first"), ("auto_closed", "then")]
    ]

    ids = copy_rows(AlertEvent, rows)

    assert list(AlertEvent.objects.order_by("pk").values_list("pk", "kind", "detail", "at")) == [
        (ids[0], "opened", "first", at),
        (ids[1], "auto_closed", "then", at),
    ]


def test_rows_copied_without_drawing_pks_are_numbered_by_the_table_in_order(patient):
    (a,) = bulk_insert([alert(patient, "drift")])
    at = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    rows = new_rows(
        AlertEvent, ("alert_id", "kind", "detail"), [(a.pk, "opened", "first"), (a.pk, "auto_closed", "then")], at=at
    )

    assert copy_rows(AlertEvent, rows, pks=False) == []

    stored_rows = list(AlertEvent.objects.order_by("pk").values_list("kind", "detail", "at", "actor_id"))
    assert stored_rows == [("opened", "first", at, None), ("auto_closed", "then", at, None)]
    # The table's own numbering goes on from there: a later insert does not collide.
    (b,) = bulk_insert([AlertEvent(alert=a, kind="opened", detail="later")])
    assert b.pk > max(AlertEvent.objects.exclude(pk=b.pk).values_list("pk", flat=True))


def test_new_rows_are_the_fields_a_new_instance_would_have(patient):
    at = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    (row,) = new_rows(
        Alert,
        ("patient_id", "rule", "severity", "severity_rank", "date"),
        [(patient.pk, "drift", "high", 1, date(2026, 3, 4))],
        opened_at=at,
        evidence="why",
    )
    made = Alert(
        patient=patient,
        rule="drift",
        severity="high",
        severity_rank=1,
        date=date(2026, 3, 4),
        opened_at=at,
        evidence="why",
    )

    assert row == [getattr(made, name) for name in model_fields(Alert)]
    (pk,) = copy_rows(Alert, [row])
    assert stored(Alert.objects.get(pk=pk)) == stored(made)

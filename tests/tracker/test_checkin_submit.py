from datetime import UTC, timedelta

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Alert
from tests.conftest import GOOD_ANSWERS
from tracker.models import CheckIn, CheckInRevision
from tracker.services import checkin_submit

pytestmark = pytest.mark.django_db


def test_it_stores_the_four_scores_and_their_total(patient):
    checkin, created = checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    assert created
    assert (checkin.fine_motor, checkin.gait, checkin.sensation, checkin.bladder, checkin.total) == (4, 6, 2, 3, 15)
    assert checkin.date == patient.local_today()
    assert not checkin.red_flag


@pytest.mark.parametrize(
    "field,value", [("fine_motor", 6), ("gait", 8), ("sensation", 4), ("bladder", 4), ("gait", -1), ("neck_pain", 11)]
)
def test_it_rejects_a_score_out_of_range_naming_the_field(patient, field, value):
    with pytest.raises(ValidationError) as exc:
        checkin_submit(patient=patient, answers={**GOOD_ANSWERS, field: value})
    assert field in exc.value.message_dict
    assert CheckIn.objects.count() == 0


def test_it_rejects_a_missing_domain(patient):
    answers = dict(GOOD_ANSWERS)
    del answers["bladder"]
    with pytest.raises(ValidationError) as exc:
        checkin_submit(patient=patient, answers=answers)
    assert "bladder" in exc.value.message_dict


def test_it_rejects_a_date_in_the_future(patient):
    with pytest.raises(ValidationError) as exc:
        checkin_submit(patient=patient, answers=GOOD_ANSWERS, date=patient.local_today() + timedelta(days=1))
    assert "date" in exc.value.message_dict


def test_it_rejects_unknown_numbness_locations(patient):
    with pytest.raises(ValidationError) as exc:
        checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "numbness_locations": ["tail"]})
    assert "numbness_locations" in exc.value.message_dict


def test_a_second_submission_the_same_day_updates_it_and_keeps_the_old_answers(patient):
    first, _ = checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    second, created = checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "gait": 4})
    assert not created and second.pk == first.pk
    assert CheckIn.objects.get().gait == 4
    revision = CheckInRevision.objects.get()
    assert revision.answers["gait"] == 6


def test_a_bad_resubmission_leaves_the_first_check_in_untouched(patient):
    checkin_submit(patient=patient, answers=GOOD_ANSWERS)
    with pytest.raises(ValidationError):
        checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "gait": 9})
    assert CheckIn.objects.get().gait == 6
    assert CheckInRevision.objects.count() == 0


def test_the_date_is_the_patients_local_day(patient):
    from datetime import datetime

    patient.timezone = "Pacific/Auckland"
    patient.save()
    # 20:00 UTC on 1 March is already 2 March in Auckland.
    now = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    assert patient.local_today(now).isoformat() == "2026-03-02"


def test_a_red_flag_opens_an_urgent_alert_at_once(patient):
    checkin, _ = checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "rf_bladder_bowel": True})
    assert checkin.red_flag
    alert = Alert.objects.get(patient=patient, rule="red_flag")
    assert alert.severity == "urgent"
    assert "bladder/bowel" in alert.evidence


def test_a_second_red_flag_day_does_not_open_a_duplicate_alert(patient):
    checkin_submit(
        patient=patient, answers={**GOOD_ANSWERS, "rf_weakness": True}, date=patient.local_today() - timedelta(days=1)
    )
    checkin_submit(patient=patient, answers={**GOOD_ANSWERS, "rf_weakness": True})
    assert Alert.objects.filter(patient=patient, rule="red_flag").count() == 1


def test_a_new_check_in_takes_a_handful_of_statements_not_one_per_constraint(patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        checkin_submit(patient=patient, answers=GOOD_ANSWERS, entered_by=patient.user)
    # Lock/read the day, insert, the outbox counters, the audit row (and the savepoint pair): 22 before.
    assert len(ctx.captured_queries) <= 8, [q["sql"][:80] for q in ctx.captured_queries]


@pytest.mark.parametrize("field,value", [("fine_motor", 6), ("gait", 8), ("sensation", 4), ("bladder", -1)])
def test_a_score_outside_its_scale_is_still_refused_by_name_without_asking_the_database(patient, field, value):
    with pytest.raises(ValidationError) as caught:
        checkin_submit(patient=patient, answers={**GOOD_ANSWERS, field: value})
    assert field in caught.value.message_dict
    assert not CheckIn.objects.filter(patient=patient).exists()

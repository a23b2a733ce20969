"""Idempotency-Key on POST /api/v1/checkins/: a phone may retry safely."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from core.models import ApiIdempotencyKey
from tests.conftest import GOOD_ANSWERS, require
from tracker.models import CheckIn, CheckInRevision

URL = "/api/v1/checkins/"


@pytest.fixture
def patient_api(patient, api_client_for):
    return api_client_for(patient.user)


def post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_key_and_body_replays_the_first_answer_and_stores_nothing_new(patient_api):
    first = post(patient_api, GOOD_ANSWERS, "3f1c-retry-1")
    updated_at = CheckIn.objects.get().updated_at
    again = post(patient_api, GOOD_ANSWERS, "3f1c-retry-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CheckIn.objects.count() == 1
    # Without the key a resubmission would update the row and keep a revision.
    assert CheckIn.objects.get().updated_at == updated_at
    assert not CheckInRevision.objects.exists()
    assert ApiIdempotencyKey.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict_and_changes_nothing(patient_api):
    post(patient_api, GOOD_ANSWERS, "k-2")
    response = post(patient_api, {**GOOD_ANSWERS, "gait": 2}, "k-2")
    assert response.status_code == 409
    assert "different request" in response.json()["detail"]
    assert CheckIn.objects.get().gait == GOOD_ANSWERS["gait"]


def test_key_order_and_spacing_of_the_json_do_not_make_it_another_body(patient_api):
    post(patient_api, GOOD_ANSWERS, "k-3")
    reordered = '{ "bladder": 3, "sensation": 2, "gait": 6, "fine_motor": 4 }'
    response = patient_api.generic("POST", URL, reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert response.status_code == 201 and response["Idempotent-Replayed"] == "true"


def test_a_refused_request_is_not_remembered_so_a_corrected_retry_with_the_key_works(patient_api):
    assert post(patient_api, {**GOOD_ANSWERS, "gait": 9}, "k-4").status_code == 400
    assert post(patient_api, GOOD_ANSWERS, "k-4").status_code == 201
    assert CheckIn.objects.count() == 1


def test_keys_belong_to_their_user(patient, other_patient, api_client_for):
    post(api_client_for(patient.user), GOOD_ANSWERS, "shared")
    response = post(api_client_for(other_patient.user), GOOD_ANSWERS, "shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert CheckIn.objects.count() == 2


def test_a_key_older_than_a_day_starts_afresh(patient_api):
    post(patient_api, GOOD_ANSWERS, "k-old")
    ApiIdempotencyKey.objects.update(created_at=ApiIdempotencyKey.objects.get().created_at - timedelta(hours=25))
    response = post(patient_api, {**GOOD_ANSWERS, "gait": 5}, "k-old")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert CheckIn.objects.get().gait == 5


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
def test_a_malformed_key_is_a_400_naming_the_header(patient_api, key):
    response = post(patient_api, GOOD_ANSWERS, key)
    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert not CheckIn.objects.exists()


def test_two_racing_requests_with_one_key_store_one_check_in_and_get_one_answer(
    transactional_db, patient, api_client_for
):
    require(connection.vendor == "postgresql", "row locks under concurrency need PostgreSQL")
    barrier = threading.Barrier(2)
    results = []

    def send():
        client = api_client_for(patient.user)
        barrier.wait()
        try:
            response = post(client, GOOD_ANSWERS, "race-1")
            results.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 2
    assert results[0] == results[1] and results[0][0] == 201
    assert CheckIn.objects.count() == 1 and ApiIdempotencyKey.objects.count() == 1
    assert not CheckInRevision.objects.exists()

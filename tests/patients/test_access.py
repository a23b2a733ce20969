"""Who sees which patient: the access helpers for every role, and every HTML page that shows patient data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.urls import get_resolver, reverse

from patients.access import get_patient_for, own_patient_record, patients_visible_to
from patients.models import User
from tests.conftest import GOOD_ANSWERS, add_history, assert_same_columns, make_user
from tracker.services import checkin_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(patient, other_patient, team_b_patient, clinician, other_clinician, admin_user):
    return {
        "patient": patient,
        "other_patient": other_patient,
        "team_b_patient": team_b_patient,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "admin": admin_user,
    }


def _names(queryset):
    return sorted(p.user.username for p in queryset)


# ---- the helpers ----------------------------------------------------------


def test_a_patient_sees_only_themselves(everyone):
    assert _names(patients_visible_to(everyone["patient"].user)) == ["patient.a1"]


def test_a_clinician_sees_only_the_patients_of_their_teams(everyone):
    assert _names(patients_visible_to(everyone["clinician"])) == ["patient.a1", "patient.a2"]
    assert _names(patients_visible_to(everyone["other_clinician"])) == ["patient.b1"]


def test_a_clinician_in_two_teams_sees_both_without_duplicates(everyone, team_b):
    everyone["clinician"].memberships.create(team=team_b, team_role="physician")
    assert _names(patients_visible_to(everyone["clinician"])) == ["patient.a1", "patient.a2", "patient.b1"]


def test_an_admin_sees_every_patient(everyone):
    assert _names(patients_visible_to(everyone["admin"])) == ["patient.a1", "patient.a2", "patient.b1"]


def test_a_clinician_without_a_team_sees_nobody(everyone):
    loner = make_user("locum", User.Role.CLINICIAN)
    assert not patients_visible_to(loner).exists()


def test_an_anonymous_or_deactivated_user_sees_nobody(everyone):
    from django.contrib.auth.models import AnonymousUser

    assert not patients_visible_to(AnonymousUser()).exists()
    nurse = everyone["clinician"]
    nurse.is_active = False
    nurse.save(update_fields=["is_active"])
    assert not patients_visible_to(nurse).exists()


def test_get_patient_for_raises_404_outside_the_users_scope(everyone):
    team_b_patient = everyone["team_b_patient"]
    assert get_patient_for(everyone["other_clinician"], team_b_patient.pk) == team_b_patient
    assert get_patient_for(everyone["admin"], team_b_patient.pk) == team_b_patient
    for outsider in (everyone["clinician"], everyone["patient"].user):
        with pytest.raises(Http404):
            get_patient_for(outsider, team_b_patient.pk)
    with pytest.raises(Http404):
        get_patient_for(everyone["patient"].user, everyone["other_patient"].pk)


def test_get_patient_for_treats_a_malformed_pk_as_not_found(everyone):
    with pytest.raises(Http404):
        get_patient_for(everyone["admin"], "not-a-number")


# ---- the patient's own pages ------------------------------------------------


def test_a_patient_cannot_read_another_patients_checkin(client, everyone):
    other = everyone["other_patient"]
    theirs, _ = checkin_submit(patient=other, answers={**GOOD_ANSWERS, "note": "private words of patient two"})
    client.force_login(everyone["patient"].user)
    response = client.get(reverse("checkin_done", args=[theirs.date.isoformat()]))
    assert response.status_code == 404
    for url in (reverse("today"), reverse("checkin")):
        response = client.get(url)
        assert response.status_code == 200
        assert b"private words" not in response.content
        assert other.first_name.encode() not in response.content


def test_a_patients_history_page_lists_only_their_own_days(client, everyone):
    add_history(everyone["other_patient"], {0: (0, 0, 0, 0)}, start=everyone["other_patient"].local_today())
    client.force_login(everyone["patient"].user)
    response = client.get(reverse("today"))
    assert [day for day in response.context["days"] if day["checkin"]] == []


@pytest.mark.parametrize("name", ["team_patients", "enrol"])
def test_a_patient_cannot_open_the_care_team_pages(client, everyone, name):
    client.force_login(everyone["patient"].user)
    assert client.get(reverse(name)).status_code == 403


def test_a_clinician_has_no_patient_checkin_page(client, everyone):
    client.force_login(everyone["clinician"])
    assert client.get(reverse("checkin")).status_code == 403
    assert client.get(reverse("today")).status_code == 403


# ---- every page about one patient -----------------------------------------


def _patient_page_urls(pk: int) -> list[str]:
    """Every HTML route under team/patients/<pk>/, including ones added by later work."""
    urls = []
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", [pattern]):
            route = str(sub.pattern)
            if route.startswith("team/patients/<int:pk>/"):
                urls.append("/" + route.replace("<int:pk>", str(pk)))
    return urls


def test_the_route_discovery_finds_the_known_patient_pages(everyone):
    urls = _patient_page_urls(7)
    assert "/team/patients/7/" in urls
    assert "/team/patients/7/events/new/" in urls


def _concrete(url: str) -> str:
    # A route with further parameters (say a date) gets a plausible value.
    return url.replace("<str:day>", "2026-01-01").replace("<int:event_pk>", "1")


def test_a_clinician_of_another_team_gets_404_on_every_patient_page(client, everyone):
    pk = everyone["patient"].pk
    client.force_login(everyone["other_clinician"])
    for url in map(_concrete, _patient_page_urls(pk)):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"kind": "visit", "date": "2026-01-01"}).status_code in (404, 405), url


def test_a_patient_cannot_open_any_patient_page_even_their_own(client, everyone):
    own_pk = everyone["patient"].pk
    client.force_login(everyone["patient"].user)
    for url in map(_concrete, _patient_page_urls(own_pk)):
        assert client.get(url).status_code in (403, 404), url


def test_a_caregiver_cannot_open_any_care_team_page_even_for_the_patient_they_help(client, everyone):
    from patients.models import Caregiver, User

    helper = User.objects.create_user("tom.helper", password="tangerine-walrus-77", role=User.Role.CAREGIVER)
    Caregiver.objects.create(user=helper, patient=everyone["patient"])
    client.force_login(helper)
    for url in map(_concrete, _patient_page_urls(everyone["patient"].pk)):
        assert client.get(url).status_code in (403, 404), url
    for name in ("team_patients", "alert_inbox", "enrol", "alert_preferences"):
        assert client.get(reverse(name)).status_code == 403, name
    # Their own side: the patient's check-in and days.
    assert client.get(reverse("checkin")).status_code == 200
    assert client.get(reverse("today")).status_code == 200


def test_the_patients_own_team_can_open_the_patient_pages_we_own(client, everyone):
    patient = everyone["patient"]
    client.force_login(everyone["clinician"])
    for name in ("patient_detail", "event_add"):
        response = client.get(reverse(name, args=[patient.pk]))
        assert response.status_code == 200
        # The page is about this patient, and names no other.
        assert patient.last_name.encode() in response.content
        assert everyone["team_b_patient"].last_name.encode() not in response.content


def test_an_admin_can_open_any_patients_pages(client, everyone):
    theirs = everyone["team_b_patient"]
    client.force_login(everyone["admin"])
    response = client.get(reverse("event_add", args=[theirs.pk]))
    assert response.status_code == 200
    assert theirs.last_name.encode() in response.content


@pytest.mark.parametrize(
    "url",
    [
        "/checkin/",
        "/today/",
        "/checkin/2026-01-01/done/",
        "/team/patients/",
        "/team/patients/new/",
        "/team/patients/1/",
        "/team/patients/1/events/new/",
    ],
)
def test_an_anonymous_visitor_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_team_list_shows_no_patient_of_another_team(client, everyone):
    client.force_login(everyone["other_clinician"])
    response = client.get(reverse("team_patients"))
    assert response.status_code == 200
    assert b"Lovelace" not in response.content
    assert b"Dale" in response.content


def test_a_clinician_of_another_team_cannot_add_an_event(client, everyone):
    target = everyone["patient"]
    client.force_login(everyone["other_clinician"])
    day = (target.local_today() - timedelta(days=3)).isoformat()
    response = client.post(reverse("event_add", args=[target.pk]), {"kind": "surgery", "date": day})
    assert response.status_code == 404
    assert not target.events.exists()


def test_a_patients_own_record_is_read_as_the_orm_reads_it_once_per_request(everyone, django_assert_num_queries):
    from patients.models import Patient

    Patient.objects.filter(pk=everyone["patient"].pk).update(detector_state={"baseline": [3, 5, 2, 2]})
    user = User.objects.get(pk=everyone["patient"].user_id)
    with django_assert_num_queries(1):
        record = own_patient_record(user)
        assert own_patient_record(user) is record
        assert user.patient is record and record.user is user
    expected = Patient.objects.get(user=user)
    assert_same_columns(record, expected, skip=("detector_state",))
    # The detector's state, the row's largest column, is not read until something asks for it.
    assert record.get_deferred_fields() == {"detector_state"}
    with django_assert_num_queries(1):
        assert record.detector_state == expected.detector_state == {"baseline": [3, 5, 2, 2]}


def test_a_user_without_a_patient_record_has_none(everyone, django_assert_num_queries):
    clinician = User.objects.get(pk=everyone["clinician"].pk)
    with django_assert_num_queries(1):
        assert own_patient_record(clinician) is None
        assert own_patient_record(clinician) is None


def test_the_sessions_user_comes_with_their_record_in_one_query(everyone, django_assert_num_queries):
    from patients.backends import UsernameOrEmailBackend
    from patients.models import Patient

    patient_user = everyone["patient"].user
    on_postgresql = connection.vendor == "postgresql"
    with django_assert_num_queries(1 if on_postgresql else 2):  # SQLite: the ORM's user, then the record
        user = UsernameOrEmailBackend().get_user(str(patient_user.pk))
        record = own_patient_record(user)
        assert user.patient is record and record.user is user
    assert_same_columns(user, User.objects.get(pk=patient_user.pk))
    assert_same_columns(record, Patient.objects.get(user=patient_user), skip=("detector_state",))
    assert record.get_deferred_fields() == {"detector_state"}
    clinician = everyone["clinician"]
    with django_assert_num_queries(1 if on_postgresql else 2):
        user = UsernameOrEmailBackend().get_user(clinician.pk)
        assert own_patient_record(user) is None
    assert_same_columns(user, User.objects.get(pk=clinician.pk))


def test_the_session_backend_finds_no_one_for_a_gone_or_inactive_user(everyone):
    from patients.backends import UsernameOrEmailBackend

    backend = UsernameOrEmailBackend()
    assert backend.get_user(10**9) is None
    User.objects.filter(pk=everyone["patient"].user_id).update(is_active=False)
    assert backend.get_user(everyone["patient"].user_id) is None


def test_a_signed_in_patients_page_reads_the_record_with_the_user(client, everyone, django_assert_num_queries):
    """The session, the user with the record, and the page's own reads: no query of the record on its own."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    client.force_login(everyone["patient"].user)
    client.get(reverse("checkin"))
    with CaptureQueriesContext(db) as ctx:
        assert client.get(reverse("checkin")).status_code == 200
    record_alone = [q["sql"] for q in ctx.captured_queries if 'FROM "patients_patient"' in q["sql"]]
    if db.vendor == "postgresql":
        assert record_alone == [], record_alone

"""A caregiver (a spouse, a child) has their own log-in, checks in for one patient, sees nothing clinical."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from clinic.fhir import patient_bundle
from patients.models import Caregiver, User
from patients.services import invitation_create
from patients.tokens import token_issue
from tests.api.conftest import reset_throttles
from tests.conftest import GOOD_ANSWERS, PASSWORD
from tracker.models import CheckIn

pytestmark = pytest.mark.django_db
HELPER_PASSWORD = "tangerine-walrus-77"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    reset_throttles()


def form_answers(**extra):
    answers = {key: str(value) for key, value in GOOD_ANSWERS.items()}
    answers.update(
        {
            key: "no"
            for key in ("rf_bladder_bowel", "rf_saddle_numbness", "rf_weakness", "rf_fall_injury", "rf_breathing")
        }
    )
    answers.update(extra)
    return answers


def join_as_helper(code: str, username: str = "tom.helper") -> Client:
    helper = Client()
    response = helper.post(
        reverse("join"),
        {"code": code, "username": username, "password": HELPER_PASSWORD, "password_again": HELPER_PASSWORD},
    )
    assert response.status_code == 302, response.content[:400]
    return helper


@pytest.fixture
def helper(patient_client, patient):
    page = patient_client.post(reverse("caregiver_invite_own"))
    assert page.status_code == 201
    return join_as_helper(page.context["invitation"].code)


def test_a_patient_invites_a_helper_who_checks_in_for_them(helper, patient):
    page = helper.get(reverse("checkin"))
    assert page.status_code == 200 and "Helping Ada" in page.content.decode()
    response = helper.post(reverse("checkin"), form_answers())
    assert response.status_code == 302
    checkin = CheckIn.objects.get(patient=patient)
    assert checkin.entered_by.username == "tom.helper"
    assert checkin.entered_by_description.startswith("Caregiver")
    assert helper.get(reverse("today")).status_code == 200


def test_a_helper_sees_nothing_clinical_and_no_other_patient(helper, patient, other_patient, clinician):
    for name, args in (("team_patients", []), ("alert_inbox", []), ("patient_detail", [patient.pk]), ("enrol", [])):
        assert helper.get(reverse(name, args=args)).status_code == 403, name
    user = User.objects.get(username="tom.helper")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
    assert api.get(reverse("api-patients")).status_code == 403
    assert api.get(reverse("api-alerts")).status_code == 403
    assert api.get(reverse("api-patient", kwargs={"pk": other_patient.pk})).status_code == 404
    created = api.post(reverse("api-checkins"), GOOD_ANSWERS, format="json")
    assert created.status_code == 201 and created.json()["entered_by"].startswith("Caregiver")
    assert created.json()["patient"] == patient.pk


def test_the_patient_removes_a_helper_and_their_access_ends_at_once(patient_client, helper, patient):
    link = Caregiver.objects.get(patient=patient)
    assert patient_client.post(reverse("caregiver_remove_own", args=[link.pk])).status_code == 302
    assert helper.get(reverse("checkin")).status_code == 403
    assert "tom.helper" not in patient_client.get(reverse("account")).content.decode()


def test_the_care_team_invites_a_caregiver_and_another_team_cannot(client, clinician, other_clinician, patient):
    client.force_login(other_clinician)
    assert client.post(reverse("caregiver_invite", args=[patient.pk])).status_code == 404
    client.force_login(clinician)
    page = client.post(reverse("caregiver_invite", args=[patient.pk]))
    assert page.status_code == 201
    join_as_helper(page.context["invitation"].code, "daughter.b")
    assert Caregiver.objects.filter(patient=patient, user__username="daughter.b").exists()


def test_a_helper_must_choose_a_user_name(patient, clinician):
    code = invitation_create(patient=patient, created_by=clinician, for_caregiver=True).code
    response = Client().post(
        reverse("join"), {"code": code, "password": HELPER_PASSWORD, "password_again": HELPER_PASSWORD}
    )
    assert response.status_code == 400 and "user name" in response.content.decode()


def test_a_helper_code_leaves_the_patients_own_code_working(patient, clinician):
    from tests.conftest import make_patient

    newcomer = make_patient(patient.care_team, None, "New", "Comer")
    own = invitation_create(patient=newcomer, created_by=clinician)
    invitation_create(patient=newcomer, created_by=clinician, for_caregiver=True)
    own.refresh_from_db()
    assert own.is_usable()


def test_the_csv_fhir_report_and_chart_page_say_who_entered_a_check_in(helper, patient, client, clinician):
    helper.post(reverse("checkin"), form_answers())
    client.force_login(clinician)
    csv_text = client.get(reverse("patient_report_csv", args=[patient.pk])).content.decode()
    header, row = csv_text.splitlines()[:2]
    assert header.endswith(",entered_by") and "Caregiver (" in row
    bundle = patient_bundle(patient, CheckIn.objects.filter(patient=patient))
    response = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")
    assert response["author"]["display"].startswith("Caregiver")
    assert "Caregiver (" in client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert "by " in client.get(reverse("patient_report", args=[patient.pk])).content.decode()


def test_a_check_in_the_patient_types_is_marked_as_theirs(patient_client, patient):
    patient_client.post(reverse("checkin"), form_answers())
    assert CheckIn.objects.get(patient=patient).entered_by_description == "Patient"


def test_a_helper_logs_in_with_their_own_password(helper):
    assert Client().post(reverse("login"), {"username": "tom.helper", "password": HELPER_PASSWORD}).status_code == 302
    assert PASSWORD != HELPER_PASSWORD


def test_a_helpers_page_looks_up_whom_they_help_once(helper, patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = helper.get(reverse("checkin"))
    assert page.status_code == 200 and "Helping Ada" in page.content.decode()
    lookups = [q["sql"] for q in queries.captured_queries if '"patients_caregiver"' in q["sql"]]
    assert len(lookups) == 1, lookups

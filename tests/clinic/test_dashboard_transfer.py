"""What the dashboard sends: the riskiest first a page at a time, gzip, and a per-user ETag for its refresh."""

import gzip
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.selectors import dashboard_page, dashboard_rows, dashboard_state
from notifications.models import Alert
from notifications.services import alert_acknowledge
from patients.models import CareTeamMembership, Patient, User
from tests.clinic import test_dashboard
from tests.clinic.test_dashboard import TODAY, alert
from tests.conftest import GOOD_ANSWERS, make_user
from tracker.models import CheckIn
from tracker.services import checkin_submit

pytestmark = pytest.mark.django_db
FRAGMENT = "/team/patients/fragment/"
ward = test_dashboard.ward  # the five-patient fixture, one risk each


def refresh(client, etag=None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(FRAGMENT, HTTP_X_REQUESTED_WITH="fetch", HTTP_ACCEPT_ENCODING="gzip", **headers)


def body(response) -> str:
    raw = response.content
    return (gzip.decompress(raw) if response.get("Content-Encoding") == "gzip" else raw).decode()


@pytest.fixture
def colleague(team_a):
    user = make_user("physio.a", User.Role.CLINICIAN)
    CareTeamMembership.objects.create(team=team_a, user=user, team_role="physio")
    return user


# ---- ETag and 304 ---------------------------------------------------------------


def test_a_refresh_that_changed_nothing_is_a_304_without_a_body(clinician_client, ward):
    first = refresh(clinician_client)
    assert first.status_code == 200 and first["ETag"]
    again = refresh(clinician_client, first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"].removeprefix("W/") == first["ETag"].removeprefix("W/")
    assert len(again["X-Updated"]) == 5  # HH:MM for "Last updated", which a 304 has no body to carry


def test_the_page_hands_the_script_the_etag_of_its_rows(clinician_client, ward):
    html = clinician_client.get(reverse("team_patients")).content.decode()
    etag = html.split('data-etag="', 1)[1].split('"', 1)[0].replace("&quot;", '"')
    assert refresh(clinician_client, etag).status_code == 304


def test_a_new_check_in_changes_the_etag_and_sends_the_rows(clinician_client, ward):
    first = refresh(clinician_client)
    checkin_submit(patient=ward["fine"], answers={**GOOD_ANSWERS, "gait": 2})
    after = refresh(clinician_client, first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert "Fine Test" in body(after)


def test_a_same_day_resubmission_changes_the_etag(clinician_client, ward):
    checkin_submit(patient=ward["fine"], answers=GOOD_ANSWERS)
    first = refresh(clinician_client)
    checkin_submit(patient=ward["fine"], answers={**GOOD_ANSWERS, "gait": 3})
    assert refresh(clinician_client, first["ETag"]).status_code == 200


def test_a_new_alert_changes_the_etag_and_shows_it(clinician_client, ward):
    first = refresh(clinician_client)
    alert(ward["fine"], rule="rapid_decline", evidence="Sudden drop in walking")
    after = refresh(clinician_client, first["ETag"])
    assert after.status_code == 200 and "Sudden drop in walking" in body(after)


def test_acknowledging_or_resolving_an_alert_changes_the_etag(clinician, clinician_client, ward):
    first = refresh(clinician_client)
    high = Alert.objects.get(patient=ward["high"])
    alert_acknowledge(alert=high, user=clinician)
    second = refresh(clinician_client, first["ETag"])
    assert second.status_code == 200
    Alert.objects.filter(pk=high.pk).update(status=Alert.Status.RESOLVED)
    third = refresh(clinician_client, second["ETag"])
    assert third.status_code == 200 and "High Test" in body(third)
    assert "sustained" not in body(third).lower()


def test_a_renamed_patient_changes_the_etag(clinician_client, ward):
    first = refresh(clinician_client)
    Patient.objects.filter(pk=ward["fine"].pk).update(last_name="Renamed")
    assert "Fine Renamed" in body(refresh(clinician_client, first["ETag"]))


def test_another_clinician_never_gets_the_first_ones_page(clinician_client, colleague, other_clinician, ward):
    etag = refresh(clinician_client)["ETag"]
    # Same team, same patients: still their own answer (their badge, their "mine"), never a 304 on another's tag.
    same_team = Client()
    same_team.force_login(colleague)
    assert refresh(same_team, etag).status_code == 200
    other_team = Client()
    other_team.force_login(other_clinician)
    answer = refresh(other_team, etag)
    assert answer.status_code == 200 and "Urgent Test" not in body(answer)


def test_the_refresh_may_not_be_stored_by_any_cache(clinician_client, ward):
    response = refresh(clinician_client)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"cookie", "accept-encoding"} <= vary


def test_a_304_costs_the_same_few_queries_whatever_the_number_of_patients(clinician_client, team_a):
    def count():
        etag = refresh(clinician_client)["ETag"]
        with CaptureQueriesContext(connection) as ctx:
            assert refresh(clinician_client, etag).status_code == 304
        return len(ctx.captured_queries)

    _cohort(team_a, 5, days=10)
    small = count()
    _cohort(team_a, 35, days=10, first=5)
    assert count() == small <= 6  # session, user, teams, patients, alerts, badge


def test_the_page_selector_uses_four_queries_whatever_the_number_of_patients(clinician, team_a):
    _cohort(team_a, 40, days=35)
    with CaptureQueriesContext(connection) as ctx:
        page = dashboard_page(dashboard_state(user=clinician), shown=10)
    assert len(ctx.captured_queries) == 4
    assert page.total == 40 and len(page.rows) == 10
    assert all(len(r.sparkline) == 30 for r in page.rows)


# ---- riskiest first, a page at a time -------------------------------------------


def test_the_page_shows_the_riskiest_first_and_offers_the_rest(clinician, clinician_client, ward, settings):
    settings.DASHBOARD_PAGE_SIZE = 2
    html = clinician_client.get(reverse("team_patients")).content.decode()
    everyone = [r.name for r in dashboard_rows(user=clinician)]
    assert everyone[:2] == ["Urgent Test", "High Test"]
    assert "Urgent Test" in html and "High Test" in html and "Decline Test" not in html
    assert "The 2 at most risk of 5 patients" in html
    assert 'href="/team/patients/?shown=4"' in html and "Show 2 more" in html
    more = clinician_client.get(reverse("team_patients"), {"shown": 4}).content.decode()
    assert [n for n in everyone if n in more] == everyone[:4] and everyone[4] not in more
    assert 'data-fragment-url="/team/patients/fragment/?shown=4"' in more


def test_the_paged_ranking_is_the_full_lists_order(clinician, team_a):
    _cohort(team_a, 40, days=35, varied=True)
    full = [r.patient.pk for r in dashboard_rows(user=clinician)]
    page = dashboard_page(dashboard_state(user=clinician), shown=40)
    assert [r.patient.pk for r in page.rows] == full
    for mine, theirs in zip(page.rows, dashboard_rows(user=clinician), strict=True):
        assert mine.as_display() == theirs.as_display()


def test_filters_still_apply_before_the_page(clinician_client, ward, settings):
    settings.DASHBOARD_PAGE_SIZE = 1
    html = clinician_client.get(reverse("team_patients"), {"status": "missed"}).content.decode()
    assert "Missed Test" in html and "Urgent Test" not in html


@pytest.mark.parametrize("value", ["0", "-3", "abc", "99999999999999999999"])
def test_a_bad_shown_is_a_400_naming_it(clinician_client, value):
    response = clinician_client.get(reverse("team_patients"), {"shown": value})
    assert response.status_code == 400 and b"shown:" in response.content


# ---- bytes on the wire and BREACH -----------------------------------------------


def test_500_patients_with_a_month_each_fit_in_40_kb_compressed(clinician_client, team_a):
    _cohort(team_a, 500, days=30, varied=True)
    first = clinician_client.get(reverse("team_patients"), HTTP_ACCEPT_ENCODING="gzip")
    changed = refresh(clinician_client)
    everyone = clinician_client.get(reverse("team_patients"), {"shown": 500}, HTTP_ACCEPT_ENCODING="gzip")
    for response in (first, changed, everyone):
        assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
        assert len(response.content) <= 40_000, len(response.content)
    assert body(everyone).count('class="dash-row ') == 500
    assert body(first).count('class="dash-row ') == 30
    assert len(body(everyone)) > 400_000  # what the wire would carry without gzip


def test_a_page_that_shows_the_typed_search_is_never_compressed(clinician_client, ward):
    # Typed in an odd case, so the echo is told apart from the matching names.
    clinician_client.post(reverse("team_patients"), {"q": "fINe"})
    page = clinician_client.get(reverse("team_patients"), HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200 and not page.has_header("Content-Encoding")
    assert "fINe" in page.content.decode()  # echoed in the search box, so sent as plain text
    fragment = refresh(clinician_client)
    assert fragment["Content-Encoding"] == "gzip" and "fINe" not in body(fragment)
    assert "Fine Test" in body(fragment) and "Urgent Test" not in body(fragment)


def test_compressed_lengths_of_one_unchanged_list_vary(clinician_client, ward):
    # The BREACH measure: an attacker reads secrets from how the length moves with what they inject;
    # Django's gzip pads each answer with 0-100 random bytes, so even the same rows never measure the same.
    lengths = {len(refresh(clinician_client).content) for _ in range(20)}
    assert len(lengths) > 3


def test_every_compressed_page_carries_a_fresh_csrf_mask(clinician_client, ward):
    tokens = set()
    for _ in range(3):
        html = body(clinician_client.get(reverse("team_patients"), HTTP_ACCEPT_ENCODING="gzip"))
        tokens.add(html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0])
    assert len(tokens) == 3


# ---- helpers ----------------------------------------------------------------


def _cohort(team, n: int, *, days: int, first: int = 0, varied: bool = False) -> None:
    patients = Patient.objects.bulk_create(
        Patient(care_team=team, first_name=f"P{first + i}", last_name=f"Cohort{i % 7}", date_of_birth=date(1960, 1, 1))
        for i in range(n)
    )
    rows = []
    for i, p in enumerate(patients):
        for d in range(days):
            if varied and (i + d) % (3 + i % 5) == 0:
                continue  # gaps, so levels and days since differ
            gait = 6 - (1 if varied and d < i % 9 else 0)
            c = CheckIn(
                patient=p,
                date=TODAY - timedelta(days=d + (i % 4 if varied else 0)),
                fine_motor=4,
                gait=gait,
                sensation=2,
                bladder=3,
            )
            c.compute_derived()
            rows.append(c)
    CheckIn.objects.bulk_create(rows)

"""GET /patients/{id}/fhir/ paged as a searchset (_count, page, next links) and whole with _count=all."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from fhir.resources.bundle import Bundle as R5Bundle
from fhir.resources.R4B.bundle import Bundle as R4BBundle

from clinic.api.views import FHIR_DEFAULT_COUNT
from tests.conftest import add_history


@pytest.fixture
def month(patient):
    return add_history(patient, days=30)


def url(patient):
    return reverse("api-patient-fhir", kwargs={"pk": patient.pk})


def links(bundle):
    return {link["relation"]: link["url"] for link in bundle["link"]}


def matches(bundle):
    return [e for e in bundle["entry"] if e["search"]["mode"] == "match"]


def test_following_next_links_gives_every_check_in_once(patient, month, clinician, api_client_for):
    client = api_client_for(clinician)
    bundle = client.get(url(patient), {"_count": 7}).json()
    assert bundle["type"] == "searchset" and bundle["total"] == 30
    seen, pages = [], 0
    while True:
        pages += 1
        R4BBundle.model_validate(bundle)
        assert len(matches(bundle)) <= 7
        assert [e["resource"]["resourceType"] for e in bundle["entry"]].count("Patient") == 1
        seen += [e["resource"]["id"] for e in matches(bundle)]
        if "next" not in links(bundle):
            break
        bundle = client.get(links(bundle)["next"]).json()
    assert pages == 5
    assert seen == [f"checkin-{c.pk}" for c in month]


def test_the_links_keep_the_date_range_and_count(patient, month, clinician, api_client_for):
    start, end = month[3].date.isoformat(), month[20].date.isoformat()
    bundle = api_client_for(clinician).get(url(patient), {"from": start, "to": end, "_count": 5, "page": 2}).json()
    assert bundle["total"] == 18
    query = parse_qs(urlsplit(links(bundle)["next"]).query)
    assert query == {"from": [start], "to": [end], "_count": ["5"], "page": ["3"]}
    assert parse_qs(urlsplit(links(bundle)["previous"]).query)["page"] == ["1"]
    assert parse_qs(urlsplit(links(bundle)["self"]).query)["page"] == ["2"]


def test_the_default_page_holds_100_check_ins(patient, clinician, api_client_for):
    add_history(patient, days=FHIR_DEFAULT_COUNT + 1)
    bundle = api_client_for(clinician).get(url(patient)).json()
    assert len(matches(bundle)) == FHIR_DEFAULT_COUNT and "next" in links(bundle)


def test_a_page_past_the_end_is_empty_but_valid(patient, month, clinician, api_client_for):
    bundle = api_client_for(clinician).get(url(patient), {"page": 9}).json()
    assert matches(bundle) == [] and bundle["total"] == 30 and "next" not in links(bundle)
    R5Bundle.model_validate(bundle)


@pytest.mark.parametrize(
    "query, field",
    [
        ({"_count": "0"}, "_count"),
        ({"_count": "1001"}, "_count"),
        ({"_count": "-5"}, "_count"),
        ({"_count": "١٠"}, "_count"),
        ({"_count": "1e3"}, "_count"),
        ({"_count": "ALL"}, "_count"),
        ({"page": "0"}, "page"),
        ({"page": "99999999999"}, "page"),
        ({"page": "two"}, "page"),
        ({"_count": "all", "page": "2"}, "page"),
    ],
)
def test_bad_paging_is_a_400_naming_the_parameter(patient, clinician, api_client_for, query, field):
    response = api_client_for(clinician).get(url(patient), query)
    assert response.status_code == 400
    assert field in response.json()


def test_everything_streams_the_whole_record_as_one_valid_bundle(patient, month, clinician, api_client_for):
    response = api_client_for(clinician).get(url(patient), {"_count": "all"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/fhir+json"
    assert "attachment" in response["Content-Disposition"]
    bundle = json.loads(b"".join(response.streaming_content))
    parsed = R4BBundle.model_validate(bundle)
    assert parsed.type == "collection" and len(parsed.entry) == 1 + 30 * 6
    R5Bundle.model_validate(bundle)


def test_everything_for_another_team_is_a_404(patient, month, other_clinician, api_client_for):
    assert api_client_for(other_clinician).get(url(patient), {"_count": "all"}).status_code == 404


def test_everything_runs_the_same_queries_for_a_month_or_a_year(patient, clinician, api_client_for):
    client = api_client_for(clinician)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(patient), {"_count": "all"})
            b"".join(response.streaming_content)
        return len(ctx.captured_queries)

    add_history(patient, days=30)
    count()  # the first request also records the token's first use
    small = count()
    add_history(patient, days=300, start=patient.local_today() - timedelta(days=400))
    assert count() == small


def test_the_patient_page_links_to_the_whole_record_and_the_link_works_signed_in(client, clinician, patient, month):
    client.force_login(clinician)
    html = client.get(reverse("patient_detail", kwargs={"pk": patient.pk})).content.decode()
    href = f"{url(patient)}?_count=all"
    assert f'id="fhir-export" href="{href}"' in html
    response = client.get(href)
    assert response.status_code == 200
    assert len(json.loads(b"".join(response.streaming_content))["entry"]) == 1 + 30 * 6

"""Every /api/v1/ endpoint x every persona, from one table.

The table is checked against the URL resolver: adding an API route without a
row here fails test_every_api_route_has_a_row, naming the route.
"""

import uuid
from datetime import timedelta

import pytest
from django.urls import URLResolver, get_resolver

from notifications.models import Alert
from patients.tokens import token_issue
from tests.conftest import GOOD_ANSWERS, PASSWORD, add_history, make_patient

ROLES = ("patient", "clinician", "other_clinician", "anonymous")

# url name -> (method, body, expected status for patient, clinician of the team, clinician of another team, anonymous)
# "{patient}" and "{alert}" in bodies/kwargs are filled from the fixtures; the patient is patient.a1 of team A.
MATRIX = {
    "api-token": ("post", "credentials", (200, 200, 200, 400)),
    "api-logout": ("post", None, (204, 204, 204, 401)),
    "api-tokens": ("get", None, (200, 200, 200, 401)),
    "api-tokens:delete": ("delete", None, (204, 204, 204, 401)),
    # {token} is one of the patient's own devices: nobody else can revoke it.
    "api-token-detail": ("delete", None, (204, 404, 404, 401)),
    "api-me": ("get", None, (200, 200, 200, 401)),
    "api-checkins": ("get", None, (200, 403, 403, 401)),
    "api-checkins:post": ("post", GOOD_ANSWERS, (201, 403, 403, 401)),
    "api-motor-tests": ("get", None, (200, 403, 403, 401)),
    "api-motor-tests:post": ("post", "motor", (201, 403, 403, 401)),
    "api-patients": ("get", None, (403, 200, 200, 401)),
    "api-patient": ("get", None, (200, 200, 404, 401)),
    "api-patient-checkins": ("get", None, (200, 200, 404, 401)),
    "api-patient-trends": ("get", None, (200, 200, 404, 401)),
    "api-patient-baseline": ("post", "baseline", (403, 201, 404, 401)),
    "api-patient-export-csv": ("get", None, (200, 200, 404, 401)),
    "api-patient-fhir": ("get", None, (200, 200, 404, 401)),
    "api-patient-motor-tests": ("get", None, (200, 200, 404, 401)),
    "api-alerts": ("get", None, (403, 200, 200, 401)),
    "api-alert-acknowledge": ("post", None, (403, 200, 404, 401)),
    "api-alert-resolve": ("post", {"outcome": "called_patient", "note": "Rang, booked a visit."}, (403, 200, 404, 401)),
}
PATIENT_ROUTES = sorted(name for name in MATRIX if name.startswith("api-patient-") or name == "api-patient")


def api_routes() -> dict[str, str]:
    """name -> pattern of every route mounted under /api/v1/."""
    routes = {}
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "api/v1/":
            for route in entry.url_patterns:
                routes[route.name] = str(route.pattern)
    return routes


def test_every_api_route_has_a_row():
    routes = api_routes()
    assert routes, "no /api/v1/ routes found: is config.api_urls mounted?"
    covered = {name.split(":")[0] for name in MATRIX}
    unlisted = sorted(f"{name} ({pattern})" for name, pattern in routes.items() if name not in covered)
    assert not unlisted, f"API routes without a row in MATRIX: {unlisted}"
    stale = sorted(covered - set(routes))
    assert not stale, f"MATRIX rows for routes that no longer exist: {stale}"


def test_every_method_an_api_view_answers_has_a_row():
    """A new method on an existing route (say a PATCH) needs its own row too."""
    listed = {}
    for row, (method, _, _) in MATRIX.items():
        listed.setdefault(row.split(":")[0], set()).add(method)
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "api/v1/":
            for route in entry.url_patterns:
                view = route.callback.cls
                served = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
                assert served == listed[route.name], (route.name, served, listed[route.name])


@pytest.fixture
def world(patient, other_patient, team_b_patient, clinician, other_clinician):
    today = patient.local_today()
    add_history(patient, days=20)
    alert = Alert.objects.create(
        patient=patient, rule="sustained_decline", severity="high", date=today, evidence="Total 2 below baseline"
    )
    token = token_issue(user=patient.user, name="Old phone").token
    return {"patient": patient, "alert": alert, "from_date": today - timedelta(days=15), "token": token}


def _request(client, route: str, world, user):
    from django.urls import reverse

    name = route.split(":")[0]
    method, body, _ = MATRIX[route]
    kwargs = {}
    if "<str:pk>" in api_routes()[name]:
        kwargs["pk"] = (
            world["alert"].pk
            if name.startswith("api-alert-")
            else world["token"].pk
            if name == "api-token-detail"
            else world["patient"].pk
        )
    if body == "credentials":
        body = {"username": user.username if user else "nobody", "password": PASSWORD}
    elif body == "baseline":
        body = {"from_date": world["from_date"].isoformat(), "reason": "After surgery"}
    elif body == "motor":
        body = {
            "client_id": str(uuid.uuid4()),
            "kind": "tap",
            "side": "right",
            "input_method": "touch",
            "events": [{"t": i * 300, "target": "ab"[i % 2], "pointer": 1} for i in range(30)],
        }
    return getattr(client, method)(reverse(name, kwargs=kwargs), body, format="json")


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_endpoint_answers_each_role_as_listed(route, role_index, role, world, request, api_client_for):
    user = (
        None
        if role == "anonymous"
        else (request.getfixturevalue(role).user if role == "patient" else request.getfixturevalue(role))
    )
    response = _request(api_client_for(user), route, world, user)
    expected = MATRIX[route][2][role_index]
    assert response.status_code == expected, (route, role, response.content[:300])
    if role == "other_clinician":
        # Another team never sees a trace of team A's patient.
        assert b"Lovelace" not in response.content


@pytest.mark.parametrize("route", PATIENT_ROUTES)
def test_a_patient_cannot_reach_another_patients_data(route, world, patient, other_patient, api_client_for):
    from django.urls import reverse

    method, body, _ = MATRIX[route]
    body = {"from_date": world["from_date"].isoformat()} if body == "baseline" else body
    response = getattr(api_client_for(patient.user), method)(
        reverse(route, kwargs={"pk": other_patient.pk}), body, format="json"
    )
    assert response.status_code == (403 if route == "api-patient-baseline" else 404)
    assert b"Cox" not in response.content


@pytest.mark.parametrize("route", ["api-patient", "api-patient-checkins", "api-patient-fhir", "api-alert-resolve"])
@pytest.mark.parametrize("bad_id", ["abc", "99999999999999999999999", "-1", "0", "1.5"])
def test_a_malformed_or_unknown_id_is_a_json_404(route, bad_id, world, clinician, api_client_for):
    from django.urls import reverse

    method = MATRIX[route][0]
    response = getattr(api_client_for(clinician), method)(reverse(route, kwargs={"pk": bad_id}), {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": response.json()["detail"]}


def test_a_team_b_patient_is_invisible_to_team_a(world, team_b_patient, clinician, api_client_for):
    from django.urls import reverse

    client = api_client_for(clinician)
    assert client.get(reverse("api-patient", kwargs={"pk": team_b_patient.pk})).status_code == 404
    names = [row["last_name"] for row in client.get(reverse("api-patients")).json()["results"]]
    assert "Dale" not in names and "Lovelace" in names


def test_an_unlinked_patient_record_is_not_reachable_by_a_patient_login(world, team_a, api_client_for, patient):
    from django.urls import reverse

    stray = make_patient(team_a, None, "No", "Account")
    response = api_client_for(patient.user).get(reverse("api-patient", kwargs={"pk": stray.pk}))
    assert response.status_code == 404


AUDITED = sorted(
    route for route in MATRIX if "<str:pk>" in api_routes().get(route.split(":")[0], "") and MATRIX[route][2][1] < 300
)


@pytest.mark.parametrize("route", AUDITED)
def test_every_patient_data_endpoint_writes_an_audit_row_for_the_care_team(route, world, clinician, api_client_for):
    """A new endpoint with a patient or alert id and no audit row fails here, naming it."""
    from audit.models import AuditEvent

    response = _request(api_client_for(clinician), route, world, clinician)
    assert response.status_code < 300
    rows = AuditEvent.objects.filter(actor=clinician, patient_id=world["patient"].pk, action="view")
    assert rows.filter(what=route.split(":")[0]).exists(), (route, list(rows.values_list("what", flat=True)))
    assert rows.first().path == response.wsgi_request.path


def test_a_patient_reading_their_own_data_writes_no_view_row(world, patient, api_client_for):
    from django.urls import reverse

    from audit.models import AuditEvent

    api_client_for(patient.user).get(reverse("api-patient-checkins", kwargs={"pk": patient.pk}))
    assert not AuditEvent.objects.filter(action="view").exists()


# The caregiver persona: a helper linked to the patient (patient.a1). Every route states what a caregiver
# gets, so a new route without a caregiver answer fails test_every_route_says_what_a_caregiver_gets.
CAREGIVER = {
    "api-token": 200,
    "api-logout": 204,
    "api-tokens": 200,
    "api-tokens:delete": 204,
    "api-token-detail": 404,  # the patient's own device is not the helper's to sign out
    "api-me": 200,
    "api-checkins": 200,
    "api-checkins:post": 201,  # entered for the patient, marked as entered by the caregiver
    "api-motor-tests": 200,
    "api-motor-tests:post": 201,  # a helper doing the tests with the patient; entered_by says so
    "api-patients": 403,
    "api-patient": 200,
    "api-patient-checkins": 200,
    "api-patient-trends": 200,
    "api-patient-baseline": 403,
    "api-patient-export-csv": 200,
    "api-patient-fhir": 200,
    "api-patient-motor-tests": 200,
    "api-alerts": 403,
    "api-alert-acknowledge": 403,
    "api-alert-resolve": 403,
}


@pytest.fixture
def caregiver(patient):
    from patients.models import Caregiver, User

    user = User(username="tom.helper", role=User.Role.CAREGIVER, first_name="Tom")
    user.set_password(PASSWORD)
    user.save()
    Caregiver.objects.create(user=user, patient=patient)
    return user


def test_every_route_says_what_a_caregiver_gets():
    assert set(CAREGIVER) == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_endpoint_answers_a_caregiver_as_listed(route, world, caregiver, api_client_for):
    response = _request(api_client_for(caregiver), route, world, caregiver)
    assert response.status_code == CAREGIVER[route], (route, response.content[:300])
    assert b"Cox" not in response.content  # another patient of the same team: never


@pytest.mark.parametrize("route", PATIENT_ROUTES)
def test_a_caregiver_cannot_reach_another_patient(route, world, caregiver, other_patient, api_client_for):
    from django.urls import reverse

    method, body, _ = MATRIX[route]
    body = {"from_date": world["from_date"].isoformat()} if body == "baseline" else body
    response = getattr(api_client_for(caregiver), method)(
        reverse(route, kwargs={"pk": other_patient.pk}), body, format="json"
    )
    assert response.status_code == (403 if route == "api-patient-baseline" else 404)

"""Bad input on the HTML pages: a clear 4xx, never a 500, nothing half-saved.

The walk is data-driven: every URL pattern of the project (but admin/, api/
and static, which have their own tests) is requested by every persona with
hostile query strings and POST bodies. A new route is covered as soon as it
exists; a route whose path parameters the walk does not know how to fill
fails the test by name, so nobody adds an uncovered page.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from detection.scales import DOMAINS, RED_FLAGS
from notifications.models import Alert, AlertEvent, Delivery
from patients.models import Invitation, Patient, PatientEvent, User
from patients.services import patient_enrol
from patients.tokens import token_issue
from tests.conftest import add_history
from tracker.models import Baseline, CheckIn, CheckInRevision

SKIP_PREFIXES = ("admin/", "api/", "static/")
COUNTED = (CheckIn, CheckInRevision, Baseline, Alert, AlertEvent, Delivery, Patient, PatientEvent, Invitation, User)
HUGE = "99999999999999999999"
LONG = "x" * 10_000

# Hostile query strings, sent with every GET (and once with a POST).
HOSTILE_QUERIES = [
    {},
    {"start": "2026-13-45", "end": "x", "range": "zzz", "severity": "nope", "status": "<script>", "team": "abc"},
    {"start": "2026-03-01", "end": "2026-01-01", "from": "2026-03-01", "to": "2026-01-01", "team": HUGE},
    {"start": "0001-01-01", "end": "9999-12-31", "range": HUGE, "status": "all"},
    {"q": "q" * 10_000},
    {"q": "nul\x00byte", "team": "\x00", "start": "\x00"},
]


# ---- filling path parameters -------------------------------------------


@dataclass
class World:
    patient: Patient
    other_patient: Patient
    team_b_patient: Patient
    alert: Alert
    team_b_alert: Alert
    checkin: CheckIn
    invitation: Invitation


# The route text up to a parameter -> the persona-independent "real" value.
# Every route starting with one of these prefixes is filled the same way, so
# team/patients/<int:pk>/anything-new/ is covered without touching this table.
OWN_VALUES = {
    "team/patients/<int:pk>": lambda w: w.patient.pk,
    "alerts/<int:pk>": lambda w: w.alert.pk,
    "checkin/<str:day>": lambda w: w.checkin.date.isoformat(),
    "account/devices/<int:pk>": lambda w: token_issue(user=w.patient.user, name="Phone").token.pk,
    "account/passkeys/<int:pk>": lambda w: 1,  # none exists: removing it is a no-op redirect
    "account/helpers/<int:pk>": lambda w: 1,  # likewise: no helper link, a no-op redirect
    "password-reset/<str:uidb64>": lambda w: "MQ",
    "password-reset/<str:uidb64>/<str:token>": lambda w: "set-password",
}
# Out-of-scope values (another team's row) where such a thing exists.
OTHER_TEAM_VALUES = {
    "team/patients/<int:pk>": lambda w: w.team_b_patient.pk,
    "alerts/<int:pk>": lambda w: w.team_b_alert.pk,
}
BAD_VALUES = {
    "int": ["987654321", HUGE],
    "str": ["987654321", HUGE, "31-02-2026", "not-a-thing", "2026-02-31"],
}


def walk(resolvers=None, prefix=""):
    """(route text, name, pattern) for every URL of the project, in order."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.name, entry.pattern


def html_routes():
    return [(route, name, pattern) for route, name, pattern in walk() if not route.startswith(SKIP_PREFIXES)]


def unfillable_routes() -> list[str]:
    problems = []
    for route, name, pattern in html_routes():
        if not isinstance(pattern, RoutePattern):
            problems.append(f"{route} ({name}): a regex route; the walk only fills path() converters")
            continue
        for param_prefix in _param_prefixes(route):
            kind = param_prefix[param_prefix.rindex("<") + 1 :].split(":")[0]
            if kind not in BAD_VALUES:
                problems.append(f"{route} ({name}): no bad values for converter {kind!r}; add them to BAD_VALUES")
            if param_prefix not in OWN_VALUES:
                problems.append(f"{route} ({name}): no real value for {param_prefix!r}; add it to OWN_VALUES")
    return problems


def _param_prefixes(route: str) -> list[str]:
    prefixes, start = [], 0
    while (open_at := route.find("<", start)) != -1:
        close_at = route.index(">", open_at)
        prefixes.append(route[: close_at + 1])
        start = close_at + 1
    return prefixes


def fill(route: str, world: World, choose) -> str:
    """Replace each <conv:name> of the route; choose(prefix, kind) gives the value."""
    out, start = [], 0
    while (open_at := route.find("<", start)) != -1:
        close_at = route.index(">", open_at)
        kind = route[open_at + 1 : close_at].split(":")[0]
        out.append(route[start:open_at])
        out.append(str(choose(route[: close_at + 1], kind)))
        start = close_at + 1
    out.append(route[start:])
    return "/" + "".join(out)


def path_variants(route: str, world: World) -> list[tuple[str, str]]:
    """(label, url): the real value, another team's value, then the bad values for each parameter."""
    if "<" not in route:
        return [("own", "/" + route)]
    own = ("own", fill(route, world, lambda prefix, kind: OWN_VALUES[prefix](world)))
    variants = [own]
    prefixes = _param_prefixes(route)
    if all(p in OTHER_TEAM_VALUES for p in prefixes):
        variants.append(("other team", fill(route, world, lambda prefix, kind: OTHER_TEAM_VALUES[prefix](world))))
    kinds = {p[p.rindex("<") + 1 :].split(":")[0] for p in prefixes}
    for kind in kinds:
        for bad in BAD_VALUES[kind]:
            variants.append((f"bad {bad[:12]}", fill(route, world, lambda prefix, k, bad=bad: bad)))
    return variants


# ---- POST bodies -----------------------------------------------------------


def valid_body(world: World) -> dict:
    """A body that is valid for every form of the site at once (forms ignore fields they do not know)."""
    today = world.patient.local_today()
    scores = {d.key: str(min(2, d.max_score)) for d in DOMAINS}
    return {
        **scores,
        **{f.key: "no" for f in RED_FLAGS},
        "numbness": "2",
        "neck_pain": "3",
        "note": "ok",
        "action": "manual",
        **{f"manual-{k}": v for k, v in scores.items()},
        "manual-effective_from": today.isoformat(),
        "manual-reason": "clinic",
        "rebaseline-from_date": today.isoformat(),
        "team": str(world.patient.care_team_id),
        "first_name": "Edna",
        "last_name": "Fry",
        "date_of_birth": "1950-05-05",
        "region": Patient.Region.choices[0][0],
        "diagnosis_date": "2025-01-01",
        "timezone_name": "Europe/London",
        "username": "edna.fry",
        "password": "a long enough password",
        "password_again": "a long enough password",
        "kind": PatientEvent.Kind.VISIT,
        "date": today.isoformat(),
        "outcome": "",
        "email_enabled": "on",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "timezone": "Europe/London",
    }


DATE_FIELDS = (
    "manual-effective_from",
    "rebaseline-from_date",
    "date_of_birth",
    "diagnosis_date",
    "date",
    "quiet_start",
)
NUMBER_FIELDS = ("numbness", "neck_pain", "team", "assignee", *(d.key for d in DOMAINS))
NUMBER_FIELDS += tuple(f"manual-{d.key}" for d in DOMAINS)
TEXT_FIELDS = ("note", "manual-reason", "rebaseline-reason", "first_name", "last_name", "username", "code")
TEXT_FIELDS += ("password", "webhook_url", "webhook_secret", "email")


def bad_bodies(world: World) -> list[tuple[str, dict]]:
    valid = valid_body(world)
    every = set(valid) | set(NUMBER_FIELDS) | set(TEXT_FIELDS) | {"next", "assignee", "code"}

    def replaced(fields, value, **extra):
        return {**valid, **{f: value for f in fields}, **extra}

    bodies = [
        ("empty", {}),
        ("garbage everywhere", {f: "garbage" for f in every}),
        ("red flag maybe", replaced([f.key for f in RED_FLAGS], "maybe")),
        ("date 31/02/2026", replaced(DATE_FIELDS, "31/02/2026")),
        ("date 2026-02-31", replaced(DATE_FIELDS, "2026-02-31", action="rebaseline")),
        ("dates far future", replaced(DATE_FIELDS, "9999-12-31", action="rebaseline")),
        ("dates year 1", replaced(DATE_FIELDS, "0001-01-01")),
        ("numbers too high", replaced(NUMBER_FIELDS, "99")),
        ("numbers huge", replaced(NUMBER_FIELDS, HUGE)),
        ("numbers not numbers", replaced(NUMBER_FIELDS, "1.5e3x")),
        ("overlong text", replaced(TEXT_FIELDS, LONG, outcome=LONG, action=LONG)),
        ("nul bytes", replaced(TEXT_FIELDS, "a\x00b", outcome="\x00")),
        ("unknown action", replaced([], "", action="maybe", outcome="maybe", kind="maybe")),
        ("wrong types", {f: ["1", "2"] for f in every}),
        ("user name taken", {**valid, "code": world.invitation.code, "username": "nurse.a"}),
    ]
    return bodies


# ---- the walk ----------------------------------------------------------------


@pytest.fixture
def world(team_a, team_b, clinician, other_clinician, admin_user, patient, other_patient, team_b_patient):
    from notifications.services import alert_open

    checkins = add_history(patient, days=20)
    add_history(team_b_patient, days=5)
    today = patient.local_today()
    alert, _ = alert_open(patient=patient, rule="red_flag", severity="urgent", date=today, evidence="walk")
    team_b_alert, _ = alert_open(
        patient=team_b_patient, rule="red_flag", severity="urgent", date=today, evidence="walk"
    )
    _, invitation = patient_enrol(
        team=team_a,
        created_by=clinician,
        first_name="Inga",
        last_name="Vite",
        date_of_birth=today - timedelta(days=70 * 365),
        region=Patient.Region.choices[0][0],
        diagnosis_date=None,
        timezone_name="Europe/London",
    )
    return World(
        patient=patient,
        other_patient=other_patient,
        team_b_patient=team_b_patient,
        alert=alert,
        team_b_alert=team_b_alert,
        checkin=checkins[-1],
        invitation=invitation,
    )


def stopped_at_the_door(response) -> bool:
    """A log-in redirect or a 403: the persona never reaches the page's own code."""
    redirected_to_login = response.status_code == 302 and response["Location"].startswith("/login/")
    return redirected_to_login or response.status_code == 403


def says_what_is_wrong(response) -> bool:
    """HTML error pages show the problem in an error block; plain-text 400s start with the field."""
    text = response.content.decode()
    if response["Content-Type"].startswith("text/html"):
        return any(marker in text for marker in ('role="alert"', 'class="error"', 'class="errorlist'))
    return ":" in text.split("\n", 1)[0]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_every_html_route_can_be_filled_by_the_walk():
    problems = unfillable_routes()
    assert not problems, "The bad-input walk cannot fill these routes:\n" + "\n".join(problems)
    assert len(html_routes()) >= 20, "the walk found suspiciously few routes"


def test_bad_input_on_any_page_is_a_clear_4xx_never_a_500_and_saves_nothing(
    world, clinician, other_clinician, admin_user
):
    assert not unfillable_routes()
    personas = {
        "anonymous": None,
        "patient": world.patient.user,
        "clinician": clinician,
        "other team clinician": other_clinician,
        "admin": admin_user,
    }
    bodies = bad_bodies(world)
    failures: list[str] = []
    requests = 0

    for persona, user in personas.items():
        client = Client(raise_request_exception=False)

        def relogin(client=client, user=user):
            client.logout()
            if user is not None:
                client.force_login(user)

        relogin()
        before = counts()
        for route, name, _ in html_routes():
            for label, url in path_variants(route, world):
                full = label == "own"
                for query in HOSTILE_QUERIES if full else HOSTILE_QUERIES[:1]:
                    response = client.get(url, query)
                    requests += 1
                    if response.status_code >= 500:
                        failures.append(f"{persona} GET {url} {query!r}: {response.status_code}")
                    elif response.status_code == 400 and not says_what_is_wrong(response):
                        failures.append(f"{persona} GET {url} {query!r}: 400 without saying what is wrong")
                    if name in ("logout", "login"):
                        relogin()
                    if query == {} and stopped_at_the_door(response):
                        # The role check answers before any input is read: a short round is enough.
                        full = False
                        break
                for body_label, body in bodies if full else bodies[:2]:
                    response = client.post(url, body)
                    requests += 1
                    status = response.status_code
                    after = counts()
                    where = f"{persona} POST {url} ({body_label})"
                    if status >= 500:
                        failures.append(f"{where}: {status}")
                    elif status == 200:
                        failures.append(f"{where}: 200 for a POST; a form with errors must answer 400")
                    elif 400 <= status < 500:
                        if after != before:
                            changed = {k: (before[k], after[k]) for k in after if after[k] != before[k]}
                            failures.append(f"{where}: {status} but rows changed {changed}")
                        if status == 400 and not says_what_is_wrong(response):
                            failures.append(f"{where}: 400 without an error message (role=alert / 'field: ...')")
                    before = after
                    if name in ("logout", "login"):
                        relogin()
                        before = counts()

    assert requests > 1000, requests
    assert not failures, f"{len(failures)} of {requests} requests misbehaved:\n" + "\n".join(failures[:2000])


@pytest.mark.parametrize(
    "url_name, query, field",
    [
        ("alert_inbox", {"severity": "nope"}, "severity"),
        ("alert_inbox_fragment", {"status": "<script>"}, "status"),
        ("team_patients", {"team": "abc"}, "team"),
        ("team_patients_fragment", {"status": "zzz"}, "status"),
        ("alert_inbox", {"owner": "someone-else"}, "owner"),
        ("team_handover", {"since": "soon"}, "since"),
    ],
)
def test_a_bad_filter_on_a_list_page_is_a_400_naming_the_field(clinician_client, url_name, query, field):
    response = clinician_client.get(reverse(url_name), query)
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()


def test_a_read_only_page_answers_405_to_a_post(clinician_client, patient):
    assert clinician_client.post(reverse("patient_detail", args=[patient.pk])).status_code == 405


def test_a_wrong_password_is_a_400_that_says_so(client, patient):
    response = client.post(reverse("login"), {"username": "patient.a1", "password": "wrong"})
    assert response.status_code == 400
    assert "do not match" in response.content.decode()


def test_an_alert_action_with_a_bare_word_next_goes_back_to_the_alert(clinician_client, world):
    response = clinician_client.post(reverse("alert_acknowledge", args=[world.alert.pk]), {"next": "garbage"})
    assert response.status_code == 302 and response["Location"] == reverse("alert_detail", args=[world.alert.pk])

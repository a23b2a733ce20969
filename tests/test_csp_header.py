"""Every response carries the Content-Security-Policy, and the policy allows no inline script or style.

Fast and without a browser: every named route of the project (admin and API
included) is requested by every persona, and so are the error pages. The
browser test (tests/test_csp_browser.py) proves the pages still work under it.
"""

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from notifications.models import Alert
from patients.models import Invitation
from tests.conftest import PASSWORD, ROOT, add_history

EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: (rest[0] if rest else "") for name, *rest in parts}


def assert_strict(response, what):
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{what} ({response.status_code}) has no Content-Security-Policy"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, (what, header)
    found = directives(header)
    for name, value in EXPECTED.items():
        assert found.get(name) == value, (what, name, header)


def named_routes(patterns=None, namespace=""):
    """(name, route pattern) of every named URL, admin ones as admin:NAME."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from named_routes(
                entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            )
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.pattern


def path_for(name, pattern, values):
    """A URL for the route, its parameters filled from the test's rows (None: a generic admin route)."""
    params = list(getattr(pattern, "converters", {}) or pattern.regex.groupindex)
    if name.startswith("admin:") and params:
        return None  # admin's own app_label/object_id routes; a change form is requested below
    kwargs = {}
    for param in params:
        if param == "pk":
            kwargs[param] = values["alert"] if "alert" in name else values["patient"]
        else:
            kwargs[param] = values[param]
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def values(patient, clinician):
    add_history(patient, days=3)
    alert = Alert.objects.create(patient=patient, rule="domain_decline", severity="high", date=patient.local_today())
    invitation = Invitation.objects.create(patient=patient, expires_at=timezone.now() + timedelta(days=30))
    last = patient.checkins.order_by("-date").first()
    return {
        "patient": patient.pk,
        "alert": alert.pk,
        "day": last.date.isoformat(),
        "code": invitation.code,
        "uidb64": "MQ",
        "token": "not-a-token",
    }


def test_every_route_answers_every_persona_with_the_strict_policy(values, patient, clinician, admin_user):
    html = 0
    for user in (None, patient.user, clinician, admin_user):
        client = Client()
        if user is not None:
            client.force_login(user)
        for name, pattern in named_routes():
            path = path_for(name, pattern, values)
            if path is None:
                continue
            response = client.get(path)
            assert_strict(response, f"GET {path} as {user}")
            html += response.headers.get("Content-Type", "").startswith("text/html")
    admin = Client()
    admin.force_login(admin_user)
    change = admin.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    assert change.status_code == 200
    assert_strict(change, "the admin's change form")
    assert html > 60  # the walk really went through the pages, not only redirects and JSON


def test_error_pages_carry_the_strict_policy_too(client, patient, clinician):
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_strict(missing, "the 404 page")
    client.force_login(clinician)
    bad = client.get(reverse("patient_detail", args=[patient.pk]), {"range": "zzz"})
    assert bad.status_code == 400
    assert_strict(bad, "a 400 page")


def test_the_lockout_page_carries_the_strict_policy(client, patient):
    for _ in range(5):
        client.post(reverse("login"), {"username": patient.user.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": patient.user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert_strict(locked, "the lockout page")


def test_report_only_mode_sends_the_same_policy_under_the_report_only_header():
    # Settings are read once at start-up, so the switch is tried in a fresh process.
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/login/');"
        "print(repr(r.headers.get('Content-Security-Policy'))); print(r.headers['Content-Security-Policy-Report-Only'])"
    )
    env = dict(os.environ, CSP_REPORT_ONLY="true", DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY="x")
    env.update(ALLOWED_HOSTS="testserver", DATABASE_URL="sqlite://:memory:")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    enforced, report_only = result.stdout.strip().splitlines()
    assert enforced == "None"
    assert directives(report_only)["script-src"] == "'self'" and "unsafe-inline" not in report_only


# What the policy would block, as it appears in a template. A <script> with a src, or a JSON data block
# (type="application/json", which the browser never runs), is fine.
INLINE = {
    "style attribute": r"\sstyle\s*=",
    "<style> element": r"<style[\s>]",
    "on* handler": r"\son[a-z]+\s*=",
    "javascript: URL": r"javascript:",
    "inline <script>": r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
}

# Template comments reach no browser (and ours explain the rule by naming what it forbids).
COMMENT = re.compile(r"{% comment %}.*?{% endcomment %}|{#.*?#}", re.S)


def test_no_template_has_an_inline_script_style_or_handler():
    """Covers the branches the browser test does not draw (the red-flag answer, empty states)."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        for what, pattern in INLINE.items():
            found += [f"{path.relative_to(ROOT)}: {what}: {m.group(0)!r}" for m in re.finditer(pattern, text, re.I)]
    assert not found, found


def test_the_inline_scan_would_see_each_kind():
    samples = {
        "style attribute": '<p style="color:red">',
        "<style> element": "<style>p{}</style>",
        "on* handler": '<a onclick="go()">',
        "javascript: URL": '<a href="javascript:go()">',
        "inline <script>": "<script>go()</script>",
    }
    for what, sample in samples.items():
        assert re.search(INLINE[what], sample, re.I), what
    assert not re.search(INLINE["inline <script>"], '<script src="/static/js/charts.js" defer></script>')
    assert not re.search(INLINE["inline <script>"], '<script type="application/json" id="c-data">')

"""Real Chromium: every page each role can see runs under the Content-Security-Policy with no violation.

A violation is caught twice: Chromium's console message ("... violates the
following Content Security Policy directive ...") and a securitypolicyviolation
listener installed before any of the page's own scripts run. Each page also
has to show the thing that proves it really worked (a drawn plotly chart, the
Swagger UI's title, the admin's table), so a page cannot pass by breaking.

The list of pages is checked against the URL resolver: a new named route is
either visited here or listed in NOT_PAGES with the reason.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from notifications.models import Alert
from patients.models import Invitation
from tests.conftest import PASSWORD, add_history, log_in_browser
from tests.test_browser_chart import chart_history
from tests.test_browser_checkin import tap_answers

pytestmark = pytest.mark.browser

# Runs before every document's own scripts, so nothing a page does goes unrecorded.
RECORD_VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber
    + (e.sample ? " (" + e.sample + ")" : "")
  );
});
"""

# Every named route outside the admin and /api/v1/ (JSON only; the header test covers them) is a page
# visited below or one of these.
NOT_PAGES = {
    "home": "a redirect to today or team_patients, both visited",
    "logout": "POST only, answers with a redirect to login",
    "team_patients_fragment": "an HTML fragment fetched by autorefresh.js into the visited dashboard",
    "alert_inbox_fragment": "an HTML fragment fetched by autorefresh.js into the visited inbox",
    "patient_report_csv": "a CSV download",
    "alert_acknowledge": "POST only, redirects back",
    "alert_resolve": "POST only, redirects back",
    "alert_assign": "POST only, redirects back",
    "alert_contact": "POST only (the contact log's one-tap buttons), redirects back",
    "api-schema": "the OpenAPI YAML the docs page fetches",
    "health": "JSON for load balancers",
    "keep_alive": "an empty 204 the idle banner's button fetches",
    "two_factor_recovery_codes": "POST only; it answers with the recovery-codes page, visited after set-up",
    "sign_out_others": "POST only, redirects to the visited account page",
    "device_revoke": "POST only, redirects to the visited account page",
    "invitation_resend": "POST only; it answers with the invitation page, visited after enrolment",
    "passkey_register_options": "JSON for static/js/passkeys.js",
    "passkey_register": "JSON for static/js/passkeys.js",
    "passkey_remove": "POST only, redirects to the visited account page",
    "passkey_log_in_options": "JSON for static/js/passkeys.js",
    "passkey_log_in": "JSON for static/js/passkeys.js",
    "caregiver_invite": "POST only; the same caregiver-code page as caregiver_invite_own, visited by the patient",
    "caregiver_remove_own": "POST only, redirects to the visited account page",
    "reminder_push_subscription": "JSON POST/DELETE that push-subscribe.js sends from the visited reminders page",
    "manifest": "the web app manifest (JSON), fetched by every visited page",
    "service_worker": "the service worker script, installed by every visited patient page",
    "favicon": "an image",
}
PATIENT_PAGES = {"checkin", "checkin_done", "today", "reminders", "motor_hub", "motor_tap", "motor_step", "motor_walk"}
CARE_TEAM_PAGES = {
    "team_patients",
    "patient_detail",
    "patient_report",
    "baseline_reset",
    "event_add",
    "patient_contact_edit",
    "enrol",
    "alert_inbox",
    "alert_detail",
    "alert_preferences",
    "team_handover",
    "motor_settings",
}
ANONYMOUS_PAGES = {
    "login",
    "join",
    "api-docs",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "offline",
}
ACCOUNT_PAGES = {"account", "password_change", "caregiver_invite_own", "contact_own"}
TWO_FACTOR_PAGES = {"two_factor_setup", "two_factor_verify"}
VISITED = PATIENT_PAGES | CARE_TEAM_PAGES | ANONYMOUS_PAGES | TWO_FACTOR_PAGES | ACCOUNT_PAGES


def route_names(patterns=None, namespace=""):
    """Names of every route in the project's URLconf, admin ones as admin:NAME."""
    names = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= route_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_named_page_is_visited_or_said_not_to_be_a_page():
    api = {name for name in route_names() if name.startswith("api-") and name not in ("api-docs", "api-schema")}
    ours = {name for name in route_names() if not name.startswith("admin:")} - api
    forgotten = ours - VISITED - set(NOT_PAGES)
    assert not forgotten, f"visit these in tests/test_csp_browser.py or list them in NOT_PAGES: {sorted(forgotten)}"
    assert not (VISITED | set(NOT_PAGES)) - ours, "a listed route no longer exists"


class Visitor:
    """Opens pages in one Chromium tab and keeps every CSP violation it sees, by URL."""

    def __init__(self, page, live_server):
        self.page = page
        self.base = live_server.url
        self.live_server = live_server
        self.violations = {}
        self.console = []
        self.errors = []
        page.add_init_script(RECORD_VIOLATIONS_JS)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))

    def _on_console(self, message):
        if "Content Security Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def log_in(self, user):
        self.page.context.clear_cookies()
        log_in_browser(self.page, self.live_server, user)

    def open(self, path, proof, status=200):
        response = self.page.goto(f"{self.base}{path}")
        assert response.status == status, (path, response.status)
        self.check(path, response, proof)

    def submit(self, button, path_part, proof, status=200):
        with self.page.expect_response(lambda r: path_part in r.url and r.request.resource_type == "document") as info:
            self.page.click(button)
        response = info.value
        assert response.status == status, (response.url, response.status)
        self.check(response.url, response, proof)

    def check(self, path, response, proof):
        header = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in header and "unsafe-inline" not in header, (path, header)
        try:
            self.page.wait_for_selector(proof, state="attached", timeout=15000)
        except PlaywrightTimeout:
            # A blocked script usually shows as a page that never finishes drawing: say what was blocked.
            found = self.page.evaluate("window.__cspViolations")
            raise AssertionError(
                f"{path}: {proof} never appeared; violations: {found}; console: {self.console}"
            ) from None
        self.page.wait_for_load_state("networkidle")
        found = self.page.evaluate("window.__cspViolations")
        if found:
            self.violations[path] = found

    def assert_clean(self):
        assert not self.violations, self.violations
        assert not self.console, self.console
        assert not self.errors, self.errors


@pytest.fixture
def visitor(browser_page, live_server):
    return Visitor(browser_page, live_server)


CHART = ".plot-container .main-svg"


def test_the_patients_pages_run_under_the_policy_without_a_violation(visitor, patient, settings):
    from reminders.management.commands.vapid_keys import new_vapid_pair

    # With VAPID keys the reminders page loads push-subscribe.js, which must run under the policy too.
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = new_vapid_pair()
    chart_history(patient)
    visitor.log_in(patient.user)
    # The patient's trend is a server-drawn SVG (no plotly on patient pages).
    visitor.open("/today/", "#my-progress svg.trend-svg polyline")
    visitor.open("/account/", "#passkeys-title")
    visitor.open("/account/password/", "#id_old_password")
    visitor.open("/account/contact/", "#id_mobile_phone")
    visitor.open("/account/", "#helpers-title")
    visitor.submit("text=Invite someone to help me", "/account/helpers/invite/", "#invitation-code", status=201)
    # push-subscribe.js has run when it has either shown a button or said why it cannot.
    visitor.open(
        "/reminders/", "#push-subscribe:not([hidden]), #push-unsubscribe:not([hidden]), #push-status:not(:empty)"
    )
    visitor.open("/checkin/", "#q-gait label.choice")
    # The form posts for real: form-action 'self' must let it through to the confirmation page.
    tap_answers(visitor.page)
    visitor.submit("button:has-text('Send my check-in')", "/done/", "text=your check-in is saved")
    visitor.assert_clean()


def test_the_care_teams_pages_run_under_the_policy_without_a_violation(visitor, clinician, patient):
    chart_history(patient)
    alert = Alert.objects.filter(patient=patient).order_by("-date").first()
    visitor.log_in(clinician)
    visitor.open("/team/patients/", ".dash-row")
    visitor.open(f"/team/patients/{patient.pk}/?range=1y", f"#clinician-chart {CHART}")
    visitor.open(f"/team/patients/{patient.pk}/report/", f"#report-chart {CHART}")
    visitor.open(f"/team/patients/{patient.pk}/baseline/", "text=Baseline for Ada Lovelace")
    visitor.open(f"/team/patients/{patient.pk}/events/new/", "text=Add an event")
    visitor.open(f"/team/patients/{patient.pk}/contact/", "#id_emergency_phone")
    visitor.open("/alerts/", ".alert-card")
    visitor.open(f"/alerts/{alert.pk}/", f"#alert-{alert.pk}")
    visitor.open("/alerts/preferences/", "form.prefs")
    visitor.open("/team/handover/", "#handover-opened")
    visitor.open("/team/patients/new/", "#id_first_name")
    # The invitation page exists only as the answer to the enrolment form.
    visitor.page.fill("#id_first_name", "Edith")
    visitor.page.fill("#id_last_name", "Clarke")
    visitor.page.fill("#id_date_of_birth", "1950-02-10")
    visitor.submit("main form button[type=submit]", "/team/patients/new/", "#invitation-code", status=201)
    visitor.assert_clean()


def test_anonymous_pages_and_the_api_docs_run_under_the_policy_without_a_violation(visitor, patient):
    invitation = Invitation.objects.create(patient=patient, expires_at=timezone.now() + timedelta(days=30))
    visitor.open("/login/", "form input[name=username]")
    # With the code first: after it, "/join/" is a real navigation, not a jump within the page.
    visitor.open(f"/join/#code={invitation.code}", "form input[name=code]")  # join.js fills it in
    visitor.open("/offline/", "#offline-title")  # what the service worker shows for a page without signal
    visitor.open("/join/", "form input[name=code]")
    visitor.open("/password-reset/", "#id_email")
    visitor.open("/password-reset/sent/", "text=Check your email")
    visitor.open("/password-reset/MQ/not-a-token/", "text=does not work")
    visitor.open("/password-reset/done/", "text=new password is saved")
    visitor.open("/api/docs/", ".swagger-ui .info .title")
    visitor.open("/no-such-page/", "h1", status=404)
    visitor.open("/admin/login/", "#login-form")
    # The lockout page, after five wrong passwords for the user name.
    for _ in range(5):
        Client().post("/login/", {"username": patient.user.username, "password": "wrong"})
    visitor.open("/login/", "#id_username")
    visitor.page.fill("#id_username", patient.user.username)
    visitor.page.fill("#id_password", PASSWORD)
    visitor.submit("button:has-text('Log in')", "/login/", "text=Logging in is paused", status=429)
    visitor.assert_clean()


def test_the_admin_runs_under_the_policy_without_a_violation(visitor, admin_user, patient):
    add_history(patient, days=3)
    visitor.log_in(admin_user)
    visitor.open("/admin/", "#content-main")
    visitor.open("/admin/tracker/checkin/", "#result_list")
    visitor.open(f"/admin/patients/patient/{patient.pk}/change/", "#patient_form")
    visitor.open("/admin/patients/patient/add/", "#patient_form")
    visitor.assert_clean()


def test_the_two_factor_pages_run_under_the_policy_without_a_violation(visitor, clinician, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.TWO_FACTOR_REQUIRED = True
    visitor.log_in(clinician)
    visitor.open("/account/two-factor/", ".qr svg")  # the QR code is SVG paths: nothing inline to refuse
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    visitor.page.fill("#id_code", f"{totp(device.bin_key):06d}")
    visitor.submit("main form button[type=submit]", "/account/two-factor/", "#recovery-codes")
    visitor.open("/login/verify/", "#id_code")
    visitor.assert_clean()


def test_the_phone_test_pages_run_under_the_policy_without_a_violation(visitor, patient, clinician):
    from motor.services import motor_test_record
    from tests.motor.conftest import tap_payload

    motor_test_record(patient=patient, payload=tap_payload(28))
    visitor.log_in(patient.user)
    visitor.open("/tests/", ".motor-strip svg circle.dot-practice")
    visitor.open("/tests/tap/", "#tap-test[data-ready]")
    visitor.open("/tests/steps/", "#step-test[data-ready]")
    visitor.open("/tests/walk/", "#walk-test[data-ready]")
    visitor.log_in(clinician)
    visitor.open(f"/team/patients/{patient.pk}/", f"#motor-chart {CHART}")
    visitor.open(f"/team/patients/{patient.pk}/tests/", "#id_every_days")
    visitor.assert_clean()

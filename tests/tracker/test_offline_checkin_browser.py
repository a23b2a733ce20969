"""Real Chromium at 360x740 with the real service worker: the check-in without signal.

Offline is Playwright's context.set_offline, which cuts the pages and the
service worker alike (navigator.onLine turns false, fetches fail). Each test
waits for the worker to control the page first, as a phone that has opened
the app once would be.
"""

import re
from datetime import timedelta

import pytest

from core.models import ApiIdempotencyKey
from notifications.models import Alert
from tests.conftest import log_in_browser, wait_for
from tests.test_browser_checkin import tap_answers
from tracker.models import CheckIn, CheckInRevision

pytestmark = pytest.mark.browser

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
QUEUE_JS = "() => window.MyeloQueue.all()"
# Installed and in control of this page (clients.claim() on activation gives it the page it was installed from).
CONTROLLED_JS = """() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller
  || new Promise(done => navigator.serviceWorker.addEventListener("controllerchange", done))).then(() => true)"""


def open_installed(page, live_server, user):
    """Sign in, open the check-in, and wait until the service worker is installed and controls the page."""
    log_in_browser(page, live_server, user)
    page.goto(f"{live_server.url}/checkin/")
    page.evaluate(CONTROLLED_JS)
    page.reload()  # now fetched through the worker, which keeps a copy for when there is no signal
    assert page.evaluate(CONTROLLED_JS)
    wait_for(lambda: page.evaluate("caches.match('/checkin/').then(r => !!r)"), timeout=10)


def send(page):
    page.click("button:has-text('Send my check-in')")


def test_a_checkin_made_offline_is_kept_on_the_phone_and_stored_once_when_back_online(
    browser_page, live_server, patient
):
    page = browser_page
    open_installed(page, live_server, patient.user)
    page.context.set_offline(True)
    assert page.evaluate("navigator.onLine") is False

    # Without signal the check-in still opens (the worker's copy); other pages say they need the server.
    page.goto(f"{live_server.url}/today/")
    assert "This page needs a connection. Your check-in still works offline." in page.inner_text("main")
    page.goto(f"{live_server.url}/checkin/")
    tap_answers(page)
    send(page)
    page.wait_for_selector("#offline-saved:not([hidden])", timeout=5000)
    assert "Saved on this phone. It will be sent when you are back online." in page.inner_text("#offline-saved")
    [item] = page.evaluate(QUEUE_JS)
    assert item["date"] == patient.local_today().isoformat() == item["body"]["date"]
    assert item["user"] == str(patient.user.pk)
    assert item["body"]["gait"] == 6 and item["body"]["rf_weakness"] is False and item["body"]["numbness"] is None
    assert CheckIn.objects.count() == 0

    page.context.set_offline(False)
    checkin = wait_for(lambda: CheckIn.objects.filter(patient=patient).first(), timeout=15)
    assert checkin.date == patient.local_today()
    assert (checkin.fine_motor, checkin.gait, checkin.sensation, checkin.bladder) == (5, 6, 2, 3)
    wait_for(lambda: page.evaluate(QUEUE_JS) == [], timeout=10)
    page.wait_for_selector("#offline-saved >> text=Your check-in has been sent", timeout=5000)
    assert ApiIdempotencyKey.objects.filter(user=patient.user, key=item["key"]).count() == 1
    assert re.match(UUID, item["key"])

    # The phone never heard the answer (signal lost again) and sends the same item once more.
    stamp = checkin.updated_at
    page.evaluate("item => window.MyeloQueue.add(item).then(() => window.MyeloApp.flush())", item)
    wait_for(lambda: page.evaluate(QUEUE_JS) == [], timeout=10)
    assert CheckIn.objects.filter(patient=patient).count() == 1
    assert not CheckInRevision.objects.exists()
    checkin.refresh_from_db()
    assert checkin.updated_at == stamp


def test_a_red_flag_answered_offline_shows_the_emergency_number_at_once(browser_page, live_server, patient, settings):
    settings.EMERGENCY_NUMBER = "999 / 112"
    page = browser_page
    open_installed(page, live_server, patient.user)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/checkin/")
    assert page.is_hidden("#offline-urgent")

    page.locator("#q-rf_weakness label.choice", has_text="Yes").click()  # no send: the answer alone shows it
    page.wait_for_selector("#offline-urgent:not([hidden])", timeout=2000)
    urgent = page.inner_text("#offline-urgent")
    assert "Get emergency care now" in urgent
    assert "your clinic cannot be told until it is back online" in urgent
    hrefs = page.eval_on_selector_all("#offline-urgent a[href^='tel:']", "links => links.map(a => a.href)")
    assert hrefs == ["tel:999", "tel:112"]

    tap_answers(page, red_flag="rf_weakness")
    send(page)
    page.wait_for_selector("#offline-saved:not([hidden])", timeout=5000)
    assert page.is_visible("#offline-urgent a[href='tel:999']")
    assert not Alert.objects.exists()  # nothing reached the clinic: the page had to say so itself


def test_a_checkin_page_kept_from_yesterday_makes_todays_checkin_offline(browser_page, live_server, patient):
    page = browser_page
    open_installed(page, live_server, patient.user)
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/checkin/")
    # As if the worker's copy had been made yesterday: the server's day then, the clock then.
    yesterday = (patient.local_today() - timedelta(days=1)).isoformat()
    page.evaluate(
        """day => { const f = document.querySelector('form.checkin');
             f.dataset.today = day; f.dataset.renderedAt = String(Math.floor(Date.now() / 1000) - 86400); }""",
        yesterday,
    )
    tap_answers(page)
    send(page)
    page.wait_for_selector("#offline-saved:not([hidden])", timeout=5000)
    [item] = page.evaluate(QUEUE_JS)
    assert item["date"] == patient.local_today().isoformat() != yesterday


def test_signing_out_clears_the_checkins_kept_on_the_phone_and_the_page_copy(browser_page, live_server, patient):
    page = browser_page
    open_installed(page, live_server, patient.user)
    assert page.evaluate("caches.keys()") != []
    # Left by someone else on a shared phone, so it is never sent under this sign-in: only sign-out removes it.
    page.evaluate("window.MyeloQueue.add({user: 'someone-else', date: '2026-01-01', madeAt: '', body: {}})")
    with page.expect_navigation(url="**/login/**"):
        page.click("button:has-text('Log out')")
    names = page.evaluate("indexedDB.databases().then(dbs => dbs.map(d => d.name))")
    assert "myelotrack" not in names
    assert [n for n in page.evaluate("caches.keys()") if n.startswith("myelotrack-pages-")] == []


def test_chrome_finds_the_app_installable(browser_page, live_server, patient):
    page = browser_page
    open_installed(page, live_server, patient.user)
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest") and manifest["errors"] == []
    errors = [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    # Playwright's contexts are incognito-like, where Chrome never offers to install; nothing else is missing.
    assert [e for e in errors if e != "in-incognito"] == []


def test_back_online_the_service_worker_sends_the_queue_by_background_sync_with_no_page_of_ours_open(
    browser_page, live_server, patient
):
    page = browser_page
    open_installed(page, live_server, patient.user)
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/checkin/")
    tap_answers(page)
    send(page)
    page.wait_for_selector("#offline-saved:not([hidden])", timeout=5000)
    # The offline page runs no script of ours: nothing but the worker can send the check-in now.
    page.goto(f"{live_server.url}/offline/")
    assert page.evaluate("typeof window.MyeloQueue") == "undefined"
    page.context.set_offline(False)

    def stored():
        page.wait_for_timeout(250)  # lets Playwright deliver the worker's events meanwhile
        return CheckIn.objects.filter(patient=patient, date=patient.local_today()).exists()

    deadline = 20  # x 250 ms: Chrome fires the sync itself when the signal returns
    while deadline and not stored():
        deadline -= 1
    if not deadline:
        # Chrome may wait longer than a test should: fire the same sync event through DevTools.
        assert registrations, "no service worker registration reported"
        cdp.send(
            "ServiceWorker.dispatchSyncEvent",
            {
                "origin": live_server.url,
                "registrationId": registrations[0]["registrationId"],
                "tag": "checkin-queue",
                "lastChance": False,
            },
        )
        wait_for(stored, timeout=10)
    assert CheckIn.objects.filter(patient=patient).count() == 1


def test_online_the_confirmation_page_is_fetched_once_after_one_post(browser_page, live_server, patient):
    # On a weak signal every round trip is a second or so: POST, then the one page.
    page = browser_page
    open_installed(page, live_server, patient.user)
    seen = []
    page.on("request", lambda r: seen.append((r.method, r.url.split(live_server.url, 1)[-1])))
    tap_answers(page)
    send(page)
    page.wait_for_url("**/done/")
    assert "your check-in is saved" in page.inner_text("main")
    ours = [(method, path) for method, path in seen if path.startswith("/checkin/")]
    done = f"/checkin/{patient.local_today().isoformat()}/done/"
    assert ours == [("POST", "/checkin/"), ("GET", done)], ours
    assert CheckIn.objects.filter(patient=patient).count() == 1


def test_an_answer_left_out_online_gets_the_servers_own_error_summary(browser_page, live_server, patient):
    page = browser_page
    open_installed(page, live_server, patient.user)
    page.locator("#q-gait label.choice", has_text="My walking is normal").click()
    with page.expect_response(lambda r: r.request.resource_type == "document" and r.status == 400):
        send(page)
    assert "Please check these answers" in page.inner_text("#error-summary")
    assert page.evaluate(QUEUE_JS) == [] and not CheckIn.objects.exists()


def test_a_kept_checkin_the_server_refuses_is_dropped_with_a_message_that_stays_until_read(
    browser_page, live_server, patient
):
    page = browser_page
    open_installed(page, live_server, patient.user)
    too_old = (patient.earliest_checkin_date() - timedelta(days=1)).isoformat()
    body = {"fine_motor": 5, "gait": 7, "sensation": 3, "bladder": 3, "date": too_old}
    page.evaluate(
        "args => window.MyeloQueue.add({user: args.user, date: args.day, madeAt: '2026-01-01T09:00:00Z', body: args.body})"
        ".then(() => window.MyeloApp.flush())",
        {"user": str(patient.user.pk), "day": too_old, "body": body},
    )
    notice = page.wait_for_selector("#queue-status .error", timeout=5000).inner_text()
    day = (patient.earliest_checkin_date() - timedelta(days=1)).strftime("%A %-d %B")
    assert f"Your check-in for {day} could not be stored. A check-in cannot be dated before" in notice
    assert page.evaluate(QUEUE_JS) == [] and not CheckIn.objects.exists()
    page.reload()  # still there on the next visit
    page.wait_for_selector("#queue-status .error", timeout=5000)
    page.click("#queue-status button:has-text('OK, I have read this')")
    page.wait_for_selector("#queue-status .error", state="detached", timeout=2000)


def test_a_worker_installing_while_signed_out_leaves_the_log_in_forms_csrf_cookie_alone(browser_page, live_server):
    # The worker's install fetches the check-in page for the phone's copy. Signed out, that fetch is
    # redirected to the log-in page; followed, the page rendered would set a new CSRF cookie when the
    # browser had none, and a log-in form loaded at the same moment would be refused (403): seen as a
    # passkey log-in failing "token incorrect" right after signing out. Not followed, it sets nothing.
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.context.clear_cookies()  # no CSRF cookie, as in a fresh browser or after clearing site data
    page.evaluate("navigator.serviceWorker.register('/sw.js')")
    page.evaluate(CONTROLLED_JS)

    assert [c["name"] for c in page.context.cookies()] == []
    assert page.evaluate("caches.match('/checkin/').then(r => !!r)") is False  # no copy of a log-in page
    # And the log-in page loaded afresh through the worker works as before.
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    assert "csrftoken" in [c["name"] for c in page.context.cookies()]

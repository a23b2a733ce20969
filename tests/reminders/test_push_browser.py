"""The service worker's push handler (static/js/sw-push.js) in real Chromium.

sw-push.js is registered on its own as a service worker (the app's /sw.js
imports it); Chromium's DevTools protocol delivers a push message to it, as a
push service would after decryption, and the page reads back the notification
it showed.
"""

import json

import pytest

from reminders.channels import push_payload
from reminders.models import ReminderSent
from tests.conftest import log_in_browser

pytestmark = pytest.mark.browser

SCOPE = "/static/js/"


def register_push_worker(page, live_server):
    cdp = page.context.new_cdp_session(page)
    registrations = {}
    cdp.on(
        "ServiceWorker.workerVersionUpdated",
        # Only sw-push.js's own registration: the page also installs the app's /sw.js (scope "/").
        lambda event: registrations.update(
            {
                v["registrationId"]: v
                for v in event["versions"]
                if v.get("runningStatus") == "running" and v.get("scriptURL", "").endswith(SCOPE + "sw-push.js")
            }
        ),
    )
    cdp.send("ServiceWorker.enable")
    page.evaluate(
        """async (scope) => {
            await navigator.serviceWorker.register(scope + "sw-push.js", {scope});
            const registration = await navigator.serviceWorker.getRegistration(scope);
            await new Promise((done) => {
              const worker = registration.installing || registration.waiting || registration.active;
              if (worker.state === "activated") return done();
              worker.addEventListener("statechange", () => worker.state === "activated" && done());
            });
        }""",
        SCOPE,
    )
    # CDP events arrive while Playwright is called, so wait through Playwright, not time.sleep.
    for _ in range(50):
        if registrations:
            break
        page.wait_for_timeout(200)
    assert registrations, "the push worker never ran"
    return cdp, next(iter(registrations))


def push_until_shown(page, cdp, origin, registration_id, data: str):
    """Deliver the push and wait for its notification; a message Chromium drops is sent again.

    DevTools now and then loses a push delivered while the page's other worker (/sw.js) is starting;
    sw-push.js gives every reminder the same tag, so a second delivery replaces the first, never adds one.
    """
    for _ in range(3):
        cdp.send(
            "ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registration_id, "data": data}
        )
        for _ in range(20):
            if notifications(page):
                return
            page.wait_for_timeout(200)
    raise AssertionError("no notification was shown")


def notifications(page):
    return page.evaluate(
        """async (scope) => {
            const registration = await navigator.serviceWorker.getRegistration(scope);
            return (await registration.getNotifications()).map((n) => ({title: n.title, body: n.body, data: n.data}));
        }""",
        SCOPE,
    )


def test_a_pushed_reminder_shows_a_notification_whose_tap_goes_to_the_check_in(browser_page, live_server, patient):
    page = browser_page
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    log_in_browser(page, live_server, patient.user)
    page.goto(f"{live_server.url}/reminders/")
    cdp, registration_id = register_push_worker(page, live_server)
    payload = push_payload(ReminderSent.Kind.DAILY)
    push_until_shown(page, cdp, live_server.url, registration_id, json.dumps(payload))
    [shown] = notifications(page)
    assert shown["title"] == "Time for your MyeloTrack check-in"
    assert shown["body"] == payload["body"]
    assert shown["data"]["url"] == f"{live_server.url}/checkin/"


def test_a_payload_pointing_at_another_site_still_opens_only_our_check_in(browser_page, live_server, patient):
    page = browser_page
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    log_in_browser(page, live_server, patient.user)
    page.goto(f"{live_server.url}/reminders/")
    cdp, registration_id = register_push_worker(page, live_server)
    data = json.dumps({"title": "Hello", "body": "x", "url": "https://evil.example/phish"})
    push_until_shown(page, cdp, live_server.url, registration_id, data)
    assert notifications(page)[0]["data"]["url"] == f"{live_server.url}/checkin/"

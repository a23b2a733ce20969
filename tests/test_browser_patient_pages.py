"""Real Chromium at 360x740: the patient's own pages pass axe-core (WCAG 2.0, 2.1 and 2.2, A and AA)
with zero violations, focus goes to the error summary after a check-in that did not go through,
the optional extras look like something to open, and the checkboxes fit their boxes.

axe-core comes from axe-playwright-python (its bundled axe.min.js), injected
through the DevTools protocol, which the page's Content-Security-Policy does
not govern, so the pages are checked under their real policy.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from notifications.models import Alert
from patients.models import Invitation
from tests.conftest import add_history, log_in_browser
from tests.test_browser_chart import chart_history
from tests.test_browser_checkin import SHOTS, keep, tap_answers

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE = Axe()


def violations(page) -> list[str]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    found = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        + (f" {v['nodes'][0].get('failureSummary', '')}" if v["nodes"] else "")
        for v in found
    ]


def check(page, what: str, found: dict) -> None:
    page.wait_for_load_state("networkidle")
    problems = violations(page)
    if problems:
        found[what] = problems


def test_every_patient_page_has_no_wcag_a_or_aa_violation(browser_page, live_server, patient, tmp_path):
    page, base = browser_page, live_server.url
    found: dict[str, list[str]] = {}
    invitation = Invitation.objects.create(patient=patient, expires_at=patient.enrolled_at.replace(year=2099))
    page.goto(f"{base}/login/")
    check(page, "login", found)
    page.goto(f"{base}/join/#code={invitation.code}")
    check(page, "join", found)

    chart_history(patient)
    log_in_browser(page, live_server, patient.user)
    page.goto(f"{base}/today/")
    page.wait_for_selector("#my-progress svg.trend-svg")
    check(page, "today", found)
    page.locator("#my-progress").screenshot(path=str(SHOTS / "my-progress-svg-360.png"))
    page.goto(f"{base}/checkin/")
    page.click("summary")  # the optional extras are checked open too
    check(page, "checkin", found)
    page.click("button:has-text('Send my check-in')")  # nothing answered: the error summary
    page.wait_for_selector("#error-summary")
    check(page, "checkin with errors", found)
    tap_answers(page)
    page.click("button:has-text('Send my check-in')")
    page.wait_for_url("**/done/")
    check(page, "checkin done", found)
    page.goto(f"{base}/checkin/")
    tap_answers(page, red_flag="rf_bladder_bowel")
    page.click("button:has-text('Send my check-in')")
    page.wait_for_selector("#seek-care")
    check(page, "emergency page after a red flag", found)
    keep(page, tmp_path, "seek-care-360.png", publish=True)
    page.goto(f"{base}/today/")
    page.wait_for_selector("#seek-care")
    check(page, "today during a red flag", found)
    keep(page, tmp_path, "today-red-flag-360.png", publish=True)
    assert Alert.objects.filter(patient=patient, rule="red_flag", status="open").exists()
    assert found == {}, found


def test_the_accessibility_check_does_find_a_violation(browser_page, live_server):
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    assert violations(page) == []
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")  # an image without alt
    assert any(v.startswith("image-alt") for v in violations(page))


def test_after_a_check_in_that_did_not_go_through_focus_is_on_the_error_summary(browser_page, live_server, patient):
    page = browser_page
    log_in_browser(page, live_server, patient.user)
    page.goto(f"{live_server.url}/checkin/")
    page.locator("#q-gait label.choice").first.click()  # one answer only: the rest are missing
    page.click("button:has-text('Send my check-in')")
    page.wait_for_selector("#error-summary")
    # The summary can be parsed before the page's deferred script has moved focus to it: wait for
    # that (it fails after the timeout if focus never comes), rather than read the focus at once.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'", timeout=5000)
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert" and summary.get_attribute("tabindex") == "-1"
    top = page.evaluate("document.getElementById('error-summary').getBoundingClientRect().top")
    assert -1 <= top < 740  # on screen, not left below the fold


def test_the_optional_extras_open_from_a_visible_control_and_the_checkboxes_fit_their_boxes(
    browser_page, live_server, patient, tmp_path
):
    page = browser_page
    add_history(patient, days=3)
    log_in_browser(page, live_server, patient.user)
    page.goto(f"{live_server.url}/checkin/")
    summary = page.locator("details.extras summary")
    assert summary.inner_text().startswith("More questions (optional)")
    box = summary.bounding_box()
    assert box["width"] > 300 and box["height"] >= 48
    # A visible edge and a chevron, not the browser's small triangle alone.
    border = page.evaluate("getComputedStyle(document.querySelector('.extras summary')).borderTopWidth")
    assert border != "0px"
    chevron = page.locator(".extras summary .chevron").bounding_box()
    assert chevron["width"] >= 8 and chevron["height"] >= 8
    closed = page.evaluate("getComputedStyle(document.querySelector('.extras .chevron')).transform")
    summary.click()
    assert page.locator("details.extras").get_attribute("open") is not None
    # The chevron turns with a 0.15 s transition: wait for it to finish rather than read it mid-turn.
    page.wait_for_function(
        "closed => getComputedStyle(document.querySelector('.extras .chevron')).transform !== closed",
        arg=closed,
        timeout=5000,
    )

    boxes = page.evaluate(
        """() => [...document.querySelectorAll('#q-numbness_locations label.choice')].map(l => {
          const b = l.getBoundingClientRect(), i = l.querySelector('input').getBoundingClientRect();
          return {label: l.innerText.trim(), b: [b.left, b.top, b.right, b.bottom], i: [i.left, i.top, i.right, i.bottom]};
        })"""
    )
    assert len(boxes) == 4
    for item in boxes:
        (bl, bt, br, bb), (il, it, ir, ib) = item["b"], item["i"]
        assert bl <= il and ir <= br and bt <= it and ib <= bb, item  # the tick box inside its label
        assert br <= 360, item  # and the label inside the phone's width
        assert ir - il >= 20, item  # big enough to see the tick
    keep(page, tmp_path, "checkin-extras-open-360.png", publish=True)

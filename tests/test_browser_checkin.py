"""Real Chromium at 360x740: a patient logs in, checks in by tapping, and sees it confirmed.

Also measures what the issue asks of the page: every visible target at least
44x44 CSS px, no sideways scrolling at 360 px, nothing overflowing at 200%
text size, and the whole round trip working with JavaScript switched off.
Screenshots go to the test's tmp dir and to var/screenshots/ for the docs.
"""

import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tracker.models import CheckIn

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
MIN_TARGET = 44

# Interactive things a finger has to hit. A radio or checkbox is hit through
# its whole label (label.choice), so the label is what is measured.
TARGETS_JS = """
() => {
  const sel = 'a[href], button, summary, select, textarea, label.choice,'
    + ' input:not([type=hidden]):not([type=radio]):not([type=checkbox])';
  return [...document.querySelectorAll(sel)].map(el => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {
      what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + (el.innerText || el.name || '').trim().slice(0, 40),
      x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height,
      visible: r.width > 0 && r.height > 0 && r.right > 0 && style.visibility !== 'hidden',
    };
  }).filter(t => t.visible);
}
"""

# Elements and runs of text whose right edge pokes out of the viewport: what makes a page scroll sideways.
OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('header *, main *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.left >= 0 && r.right > width + 0.5) out.push(el.tagName.toLowerCase() + '.' + el.className);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 0 && r.left >= 0 && r.right > width + 0.5) { out.push('text: ' + node.textContent.trim().slice(0, 30)); break; }
    }
  }
  return out;
}
"""


def keep(page, tmp_path, name: str, publish: bool = False) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    if publish:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / name)
    return path


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")


def tap_answers(page, red_flag: str | None = None) -> None:
    for question, answer in (
        ("fine_motor", "My hands work normally"),
        ("gait", "I am a little unsteady, but walk without help"),
        ("sensation", "Mild numbness in my hands"),
        ("bladder", "My bladder is normal"),
    ):
        page.locator(f"#q-{question} label.choice", has_text=answer).click()
    for key in ("rf_bladder_bowel", "rf_saddle_numbness", "rf_weakness", "rf_fall_injury", "rf_breathing"):
        answer = "Yes" if key == red_flag else "No"
        page.locator(f"#q-{key} label.choice", has_text=answer).click()


def text_at_200_percent(page) -> None:
    """Double every rem, as the phone's text-size setting does, on every page from now on.

    Appended to the stylesheet on its way in, so it works with JavaScript off.
    """

    def bigger(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text() + "\nhtml { font-size: 200% !important; }\n")

    page.route("**/static/css/app.css", bigger)


def horizontal_overflow(page) -> tuple[int, int, list]:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("document.documentElement.clientWidth")
    return width, viewport, page.evaluate(OVERFLOW_JS)


def test_a_patient_checks_in_by_tapping_on_a_phone_and_sees_it_confirmed(browser_page, live_server, patient, tmp_path):
    page = browser_page
    log_in(page, live_server.url, "patient.a1")
    page.wait_for_url("**/today/")
    page.click("text=Do today's check-in")
    page.wait_for_url("**/checkin/")

    page.click("summary")  # open the optional extras so they are measured too
    targets = page.evaluate(TARGETS_JS)
    assert len(targets) > 30, targets  # 4 domains' levels, 10 yes/no, ratings, nav, submit
    small = [t for t in targets if t["width"] < MIN_TARGET or t["height"] < MIN_TARGET]
    assert small == [], f"targets under {MIN_TARGET}x{MIN_TARGET} CSS px: {small}"
    width, viewport, poking_out = horizontal_overflow(page)
    assert viewport == 360 and width <= viewport, poking_out
    keep(page, tmp_path, "checkin-360.png", publish=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(tmp_path / "checkin-360-first-screen.png"))
    shutil.copy(tmp_path / "checkin-360-first-screen.png", SHOTS / "checkin-360-first-screen.png")

    tap_answers(page)
    page.locator("#q-neck_pain label.choice", has_text="3").first.click()
    page.click("button:has-text('Send my check-in')")
    page.wait_for_url("**/done/")
    assert page.locator("h1").inner_text() == "Thank you, your check-in is saved"
    assert "16 of 18" in page.inner_text("main")
    keep(page, tmp_path, "checkin-done-360.png", publish=True)
    saved = CheckIn.objects.get(patient=patient)
    assert (saved.fine_motor, saved.gait, saved.sensation, saved.bladder, saved.neck_pain) == (5, 6, 2, 3, 3)
    assert not saved.red_flag


def test_at_200_percent_text_without_javascript_nothing_overflows_and_a_red_flag_says_get_care_now(
    browser_page, live_server, patient, tmp_path
):
    context = browser_page.context.browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        context.set_default_timeout(15_000)
        text_at_200_percent(page)
        log_in(page, live_server.url, "patient.a1")
        page.goto(f"{live_server.url}/checkin/")
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "36px"
        page.click("summary")
        width, viewport, poking_out = horizontal_overflow(page)
        assert width <= viewport, f"sideways scroll at 200%: {width} > {viewport}: {poking_out}"
        assert poking_out == []
        keep(page, tmp_path, "checkin-360-text-200.png", publish=True)

        tap_answers(page, red_flag="rf_weakness")
        page.click("button:has-text('Send my check-in')")  # a plain form post: no script involved
        page.wait_for_url("**/done/")
        assert page.locator("#seek-care h1").inner_text() == "Get emergency care now"
        call = page.locator("#seek-care a.phone.clinic")
        assert call.get_attribute("href") == "tel:+442079460101"
        box = call.bounding_box()
        assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET
        width, viewport, poking_out = horizontal_overflow(page)
        assert width <= viewport, poking_out
        keep(page, tmp_path, "seek-care-360-text-200.png", publish=True)
        assert CheckIn.objects.get(patient=patient).red_flag
    finally:
        context.close()

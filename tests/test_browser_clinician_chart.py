"""Real Chromium with a touch screen: the clinician chart on a phone and on a desktop.

A vertical swipe over the chart scrolls the page, a sideways one leaves the
date range alone (it changes only through the range buttons); the chart
pages pass axe-core (WCAG 2.2 AA) at 390 and 1280 px with a text alternative
a screen reader reaches; the check-ins table is cards on a phone; no
clinician page is wider than a 360 px screen.
"""

import pytest

from notifications.models import Alert
from tests.conftest import chromium_page, log_in_browser
from tests.test_browser_chart import SHOTS, chart_history
from tests.test_browser_patient_pages import violations
from tracker.models import CheckIn

pytestmark = pytest.mark.browser

CHART = "#clinician-chart[data-rendered=true]"


@pytest.fixture
def touch_page(chromium_path, live_server):
    """A Playwright page on a 390x844 touch phone (has_touch: real touch events reach the page)."""
    with chromium_page(
        chromium_path, viewport={"width": 390, "height": 844}, device_scale_factor=1, has_touch=True, is_mobile=True
    ) as page:
        yield page


def swipe(page, x: float, y: float, dx: float, dy: float, steps: int = 12) -> None:
    """A finger drag as the touch screen sends it: touchstart, touchmoves, touchend (DevTools input)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, steps + 1):
        point = {"x": x + dx * i / steps, "y": y + dy * i / steps}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(400)  # the scroll's fling settles


def x_range(page) -> list:
    return page.evaluate("() => document.getElementById('clinician-chart')._fullLayout.xaxis.range.slice()")


def test_a_vertical_swipe_over_the_chart_scrolls_the_page_and_a_sideways_one_moves_nothing(
    touch_page, live_server, clinician, patient
):
    chart_history(patient)
    page = touch_page
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/team/patients/{patient.pk}/?range=90d")
    page.wait_for_selector(CHART, timeout=15000)
    box = page.locator("#clinician-chart").bounding_box()
    # Put the chart's middle at the middle of the screen, so the finger lands on a plot area.
    page.evaluate("(y) => window.scrollTo(0, y)", box["y"] + box["height"] / 2 - 422)
    page.wait_for_timeout(200)
    box = page.locator("#clinician-chart").bounding_box()
    middle = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    assert page.evaluate("(p) => !!document.elementFromPoint(p.x, p.y).closest('.nsewdrag')", middle)
    before = x_range(page)

    scrolled_from = page.evaluate("window.scrollY")
    swipe(page, middle["x"], middle["y"], 0, -300)
    assert page.evaluate("window.scrollY") > scrolled_from + 100  # the page moved under the finger
    assert x_range(page) == before

    box = page.locator("#clinician-chart").bounding_box()
    y = min(max(box["y"] + 150, 100), 744)
    swipe(page, box["x"] + box["width"] * 0.8, y, -220, 0)
    assert x_range(page) == before  # no pan, no zoom
    assert page.locator("text=Double-click to zoom back out").count() == 0
    assert page.locator(".modebar").count() == 0
    # The highlighted range button still names what is drawn: 90 days up to today.
    assert page.text_content(".ranges [aria-current=page]") == "90 days"
    ticks = page.evaluate("() => document.getElementById('clinician-chart')._fullLayout.xaxis.tickvals")
    assert ticks[-1] == patient.local_today().isoformat()


def test_the_chart_pages_pass_axe_at_390_and_1280_px_with_a_summary_a_screen_reader_reaches(
    browser_page, live_server, clinician, patient
):
    chart_history(patient)
    page = browser_page
    log_in_browser(page, live_server, clinician)
    found = {}
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        for name, url, chart in (
            ("patient", f"/team/patients/{patient.pk}/?range=1y", CHART),
            ("report", f"/team/patients/{patient.pk}/report/", "#report-chart[data-rendered=true]"),
        ):
            page.goto(f"{live_server.url}{url}")
            page.wait_for_selector(chart, timeout=15000)
            page.wait_for_load_state("networkidle")
            problems = violations(page)
            if problems:
                found[f"{name} at {width}"] = problems
    assert found == {}, found
    page.goto(f"{live_server.url}/team/patients/{patient.pk}/?range=1y")
    page.wait_for_selector(CHART, timeout=15000)
    described = page.evaluate(
        """() => {
          const chart = document.getElementById('clinician-chart');
          const ref = document.getElementById(chart.getAttribute('aria-describedby'));
          return {role: chart.getAttribute('role'), text: ref && ref.textContent,
                  focusable: chart.querySelectorAll('a, button, [tabindex]').length};
        }"""
    )
    assert described["role"] == "img" and described["focusable"] == 0
    assert "check-ins" in described["text"] and "1 red-flag day" in described["text"]


def test_the_check_ins_table_is_cards_with_every_column_on_a_phone(browser_page, live_server, clinician, patient):
    chart_history(patient)
    latest = CheckIn.objects.filter(patient=patient).latest("date")
    CheckIn.objects.filter(pk=latest.pk).update(note="Tingling in both hands")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_browser(page, live_server, clinician)
    page.goto(f"{live_server.url}/team/patients/{patient.pk}/")
    first = page.locator("table.history tbody tr").first
    for label in ("Day", "Total", "Hands", "Walk", "Feel", "Bladder", "Note", "Entered by"):
        cell = first.locator(f"[data-label='{label}']")
        assert cell.is_visible(), label
        cell_box = cell.bounding_box()
        assert cell_box["x"] >= 0 and cell_box["x"] + cell_box["width"] <= 390, label
    assert page.evaluate("getComputedStyle(document.querySelector('table.history tr')).display") == "block"
    assert "Tingling in both hands" in first.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("table.history").screenshot(path=str(SHOTS / "checkins-cards-390.png"))
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.evaluate("getComputedStyle(document.querySelector('table.history tr')).display") == "table-row"


def test_no_clinician_page_is_wider_than_a_360_px_screen(browser_page, live_server, clinician, patient):
    chart_history(patient)
    alert = Alert.objects.filter(patient=patient).first()
    page = browser_page  # 360x740
    log_in_browser(page, live_server, clinician)
    pages = {
        "dashboard": "/team/patients/",
        "patient detail": f"/team/patients/{patient.pk}/?range=1y",
        "report": f"/team/patients/{patient.pk}/report/",
        "baseline reset": f"/team/patients/{patient.pk}/baseline/",
        "event add": f"/team/patients/{patient.pk}/events/new/",
        "enrol": "/team/patients/new/",
        "inbox": "/alerts/",
        "alert detail": f"/alerts/{alert.pk}/",
        "preferences": "/alerts/preferences/",
        "account": "/account/",
    }
    widths, wide = {}, {}
    for name, url in pages.items():
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, (name, response.status)
        if name in ("patient detail", "report"):
            page.wait_for_selector("[data-rendered=true]", timeout=15000)
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        if widths[name] > 360:  # name what sticks out, for whoever fixes it
            wide[name] = page.evaluate(
                """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)
                   .slice(0, 5).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""
            )
    assert {name: w for name, w in widths.items() if w > 360} == {}, wide

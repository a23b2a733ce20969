"""The interactive API docs render in a real Chromium from our own static files."""

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_the_api_without_fetching_anything_from_another_host(browser_page, live_server):
    page = browser_page
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "MyeloTrack API" in page.text_content(".swagger-ui .info .title")
    page.wait_for_selector("text=/api/v1/checkins/", timeout=15000)
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in u for u in urls)
    foreign = [u for u in urls if not u.startswith(live_server.url) and not u.startswith("data:")]
    assert not foreign, foreign

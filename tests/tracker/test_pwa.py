"""What makes the check-in installable: the manifest, its icons, the favicon, the service worker's headers."""

import re
import struct

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tracker import pwa

pytestmark = pytest.mark.django_db


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, which must come first."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", path
    return struct.unpack(">II", head[16:24])


def static_path(url: str) -> str:
    assert url.startswith("/static/"), url
    found = finders.find(url.removeprefix("/static/"))
    assert found, f"{url} is not a static file"
    return found


def test_the_manifest_names_the_app_starts_at_the_check_in_and_is_standalone(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "MyeloTrack" and manifest["short_name"]
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/checkin/", "/", "standalone")
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])


def test_every_manifest_icon_is_a_png_of_the_size_it_claims_including_a_maskable_512(client):
    icons = client.get("/manifest.webmanifest").json()["icons"]
    for icon in icons:
        width, height = (int(n) for n in icon["sizes"].split("x"))
        assert icon["type"] == "image/png"
        assert png_size(static_path(icon["src"])) == (width, height), icon
    found = {(icon["sizes"], icon["purpose"]) for icon in icons}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= found


def test_every_page_links_the_manifest_the_icons_and_the_theme_colour(client):
    html = client.get("/login/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color" content="#0b5cad">' in html
    assert '<meta name="apple-mobile-web-app-capable" content="yes">' in html
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', html).group(1)
    assert png_size(static_path(touch)) == (180, 180)


def test_the_favicon_is_an_icon_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # ICO header: reserved 0, type 1 (icon)


def test_the_service_worker_is_served_from_the_root_uncached_as_javascript(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"


def test_the_service_worker_imports_and_precaches_only_files_that_exist(client):
    body = client.get("/sw.js").content.decode()
    imported = re.search(r"importScripts\((.*)\);", body).group(1)
    urls = re.findall(r'"([^"]+)"', imported)
    assert "/static/js/sw-push.js" in urls  # the reminders' push handler: never a failed import
    for url in urls + pwa_shell(body):
        static_path(url)
    assert f'"version": "{pwa.shell_version()}"' in body


def pwa_shell(body: str) -> list[str]:
    return re.findall(r'"(/static/[^"]+)"', re.search(r'"shell": \[([^\]]*)\]', body).group(1))


def test_the_offline_page_says_the_page_needs_a_connection_and_the_check_in_works(client):
    response = client.get(reverse("offline"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This page needs a connection. Your check-in still works offline." in html
    assert 'href="/checkin/"' in html


def test_the_check_in_page_carries_the_patients_today_and_the_emergency_number(patient_client, patient, settings):
    settings.EMERGENCY_NUMBER = "112"
    html = patient_client.get(reverse("checkin")).content.decode()
    assert f'data-today="{patient.local_today().isoformat()}"' in html
    assert 'data-emergency-number="112"' in html
    assert "js/offline-checkin.js" in html and "js/pwa.js" in html


def test_the_worker_version_changes_when_a_file_it_caches_changes(settings, monkeypatch, tmp_path):
    settings.DEBUG = True  # hashed afresh on each request, as in development
    stylesheet = tmp_path / "app.css"
    stylesheet.write_text("body { color: black; }")
    real_find = finders.find
    monkeypatch.setattr(
        finders, "find", lambda name, **kw: str(stylesheet) if name == "css/app.css" else real_find(name)
    )
    before = pwa.shell_version()
    assert pwa.shell_version() == before  # the same files give the same version
    stylesheet.write_text("body { color: navy; }")
    assert pwa.shell_version() != before

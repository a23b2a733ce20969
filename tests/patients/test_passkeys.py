"""Passkey endpoints refuse what proves nothing with a 400 (the ceremonies themselves: tests/test_browser_passkeys.py)."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_forged_or_unknown_passkey_answer_is_a_400_not_a_500(client, patient):
    client.post("/login/passkey/options/")
    for body in (b"[" * 2000, b'{"credential": {"id": "\\ud800"}}', b'{"credential": {"id": "AAAA", "response": {}}}'):
        response = client.post("/login/passkey/", body, content_type="application/json")
        assert response.status_code == 400, body[:40]
        client.post("/login/passkey/options/")
    # No challenge asked for: refused too.
    fresh = type(client)()
    assert fresh.post("/login/passkey/", b'{"credential": {}}', content_type="application/json").status_code == 400

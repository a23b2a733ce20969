"""Production defaults: `check --deploy` is clean with only the required variables, and HTTPS is enforced."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]


def run_deploy_check(**extra: str) -> subprocess.CompletedProcess:
    # A clean environment: nothing from the test run (its DEBUG, its relaxed cookie flags) leaks in.
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "myelotrack.example.org",
    }
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="only-secret-key-and-hosts"),
        pytest.param(
            {
                "DATABASE_URL": "postgres://myelotrack@db.internal:5432/myelotrack",
                "REDIS_URL": "redis://cache.internal:6379/0",
                "SITE_URL": "https://myelotrack.example.org",
                "CSRF_TRUSTED_ORIGINS": "https://myelotrack.example.org",
                "BEHIND_TLS_PROXY": "true",
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            },
            id="documented-production-variables",
        ),
    ],
)
def test_check_deploy_has_no_warnings_with_production_variables(extra):
    result = run_deploy_check(**extra)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_turning_https_redirect_off_is_reported_by_check_deploy():
    # The opt-out exists for a TLS proxy, and the check keeps saying what it costs.
    result = run_deploy_check(SECURE_SSL_REDIRECT="false")
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_to_https_but_the_health_check_is_not():
    client = Client()
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"
    assert client.get("/health/").status_code in (200, 503)


@pytest.mark.django_db
def test_https_responses_carry_hsts_for_a_year():
    # The suite runs with DEBUG off and no HSTS variable: this is the production default.
    response = Client().get("/login/", secure=True)
    assert "max-age=31536000" in response["Strict-Transport-Security"]
    assert "includeSubDomains" in response["Strict-Transport-Security"]

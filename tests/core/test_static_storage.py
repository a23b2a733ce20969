"""Production static storage: hashed names after collectstatic, and no 500 before it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django, os
os.environ["STATIC_ROOT"] = {root!r}
django.setup()
from django.templatetags.static import static
print(static("css/app.css"))
"""


def _static_url(tmp_path, collect: bool) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "localhost",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    if collect:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
        )
    code = SCRIPT.format(root=str(tmp_path / "static"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_before_collectstatic_a_page_gets_the_plain_name_instead_of_a_500(tmp_path):
    assert _static_url(tmp_path, collect=False) == "/static/css/app.css"


def test_after_collectstatic_names_carry_their_hash_and_a_gzip_copy_exists(tmp_path):
    url = _static_url(tmp_path, collect=True)
    assert url.startswith("/static/css/app.") and url.endswith(".css") and url != "/static/css/app.css"
    assert (tmp_path / "static" / url.removeprefix("/static/")).with_suffix(".css.gz").exists()

"""The wrk scripts of bench/bench_checkin_wrk.py send what the check-in endpoints expect (no timing here)."""

import re
import sys
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import bench_checkin_wrk as bench  # noqa: E402

from tracker.forms import CheckInForm  # noqa: E402

PATIENTS = [bench.Credentials(f"tok{i}", f"sess{i}", f"csrf{i}", f"masked{i}") for i in range(3)]


def rotation_rows(script: str) -> list[str]:
    return [line for line in script.splitlines() if line.startswith("  {headers = ")]


def lua_body(row: str) -> str:
    raw = re.search(r'body = ("(?:[^"\\]|\\.)*")', row).group(1)
    return raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")


def test_the_api_script_rotates_every_patients_token_as_a_json_post():
    script = bench.lua_script(bench.API_CHECKIN, PATIENTS)
    rows = rotation_rows(script)
    assert len(rows) == len(PATIENTS)
    for c, row in zip(PATIENTS, rows, strict=True):
        assert f'["Authorization"] = "Token {c.token}"' in row
        assert '["Content-Type"] = "application/json"' in row
        assert "Cookie" not in row
    assert 'wrk.format("POST", "/api/v1/checkins/", r.headers, r.body)' in script


def test_the_html_script_posts_a_form_the_check_in_form_accepts_with_each_patients_session_and_csrf_token():
    script = bench.lua_script(bench.HTML_CHECKIN, PATIENTS)
    for c, row in zip(PATIENTS, rotation_rows(script), strict=True):
        assert f'["Cookie"] = "sessionid={c.sessionid}; csrftoken={c.csrftoken}"' in row
        assert '["Content-Type"] = "application/x-www-form-urlencoded"' in row
        fields = {k: v[0] for k, v in parse_qs(lua_body(row), keep_blank_values=True).items()}
        assert fields.pop("csrfmiddlewaretoken") == c.csrf_form
        form = CheckInForm(fields)
        assert form.is_valid(), form.errors
        assert form.answers()["gait"] == 6


def test_the_script_reports_every_status_it_was_answered_with():
    script = bench.lua_script(bench.BARE_FORM_POST, PATIENTS)
    assert "function response(status, headers, body)" in script
    assert "statuses[status] = (statuses[status] or 0) + 1" in script
    assert "WRK_RESULT" in script


def test_a_wrk_result_line_is_read_into_rates_and_status_counts():
    out = (
        "Running 10s test\nWRK_RESULT requests=500 duration_us=2000000 p50_us=1500 p95_us=4000 p99_us=6000 "
        "non_2xx_3xx=3 connect=0 read=0 write=0 timeout=0 wrk_status_errors=3 statuses=200:497,429:3\n"
    )
    result = bench.parse_result(out)
    assert result["rps"] == 250
    assert result["statuses"] == {200: 497, 429: 3}
    assert bench.unexpected(result, bench.API_CHECKIN) == {429: 3}

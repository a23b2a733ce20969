from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.selectors import dashboard_rows
from notifications.models import Alert
from patients.models import CareTeamMembership, Patient
from tests.conftest import add_history, make_patient, make_user
from tracker.models import Baseline, CheckIn

# The pages use the real date, so the data is built around it.
TODAY = timezone.localdate()


def baseline(patient, total, effective_from=TODAY - timedelta(days=200)):
    parts = {"fine_motor": 4.0, "gait": 6.0, "sensation": 2.0, "bladder": total - 12.0}
    return Baseline.objects.create(
        patient=patient, method="automatic", effective_from=effective_from, total=total, **parts
    )


def history(patient, totals, end=TODAY):
    """Daily check-ins ending on `end` with these totals."""
    start = end - timedelta(days=len(totals) - 1)
    return add_history(patient, {i: split(t) for i, t in enumerate(totals)}, start=start)


def split(total):
    """Domain scores adding up to total: hands, then walking, then feeling, then bladder."""
    parts = []
    for top in (5, 7, 3, 3):
        parts.append(min(top, total))
        total -= parts[-1]
    return tuple(parts)


def alert(patient, severity="high", rule="sustained_decline", status="open", evidence="Total 12 vs baseline 15 (-3)"):
    return Alert.objects.create(
        patient=patient, rule=rule, severity=severity, status=status, date=TODAY, evidence=evidence
    )


def names(rows):
    return [r.name for r in rows]


@pytest.fixture
def ward(team_a):
    """Five team-A patients, one risk each."""
    p = {
        key: make_patient(team_a, None, key.title(), "Test") for key in ("urgent", "high", "decline", "missed", "fine")
    }
    for key in ("urgent", "high", "decline", "fine"):
        baseline(p[key], 15.0)
        history(p[key], [15] * 10)
    CheckIn.objects.filter(patient=p["decline"], date__gt=TODAY - timedelta(days=7)).update(
        sensation=0, bladder=0, total=12
    )
    baseline(p["missed"], 15.0)
    history(p["missed"], [15] * 10, end=TODAY - timedelta(days=9))
    alert(p["urgent"], severity="urgent", rule="red_flag", evidence="Red flag on 30 Jun: sudden weakness")
    alert(p["high"], severity="high")
    return p


def test_patients_are_ordered_by_risk(clinician, ward):
    rows = dashboard_rows(user=clinician, today=TODAY)
    assert names(rows) == ["Urgent Test", "High Test", "Decline Test", "Missed Test", "Fine Test"]


def test_an_acknowledged_alert_still_counts_but_a_resolved_one_does_not(clinician, ward):
    Alert.objects.filter(patient=ward["urgent"]).update(status="resolved")
    Alert.objects.filter(patient=ward["high"]).update(status="acknowledged")
    rows = dashboard_rows(user=clinician, today=TODAY)
    assert names(rows)[0] == "High Test"
    assert rows[names(rows).index("Urgent Test")].open_alerts == []


def test_a_row_carries_the_figures_the_dashboard_shows(clinician, ward):
    row = next(r for r in dashboard_rows(user=clinician, today=TODAY) if r.name == "Decline Test")
    assert (row.age, row.region, row.team) == (ward["decline"].age(TODAY), "Cervical", "Spine Clinic A")
    assert row.last_checkin == TODAY and row.days_since_checkin == 0
    assert row.latest_total == 12.0  # median of the last 7 days, not the 10-day history
    assert row.baseline_total == 15.0 and row.change == -3.0 and row.declining
    assert row.sparkline_values == [15, 15, 15] + [12] * 7
    urgent = dashboard_rows(user=clinician, today=TODAY)[0]
    assert urgent.open_alerts[0]["rule"] == "red_flag"
    assert urgent.open_alerts[0]["severity"] == "urgent"
    assert urgent.open_alerts[0]["evidence"] == "Red flag on 30 Jun: sudden weakness"


def test_the_latest_total_is_a_median_so_one_bad_day_is_not_a_decline(clinician, patient):
    baseline(patient, 15.0)
    history(patient, [15, 15, 15, 15, 15, 15, 9])
    (row,) = dashboard_rows(user=clinician, today=TODAY)
    assert row.latest_total == 15.0 and row.change == 0.0


def test_the_current_baseline_is_the_latest_effective_then_latest_set(clinician, patient):
    baseline(patient, 15.0, effective_from=TODAY - timedelta(days=100))
    baseline(patient, 13.0, effective_from=TODAY - timedelta(days=10))
    baseline(patient, 14.0, effective_from=TODAY - timedelta(days=10))  # set later, same day
    baseline(patient, 10.0, effective_from=TODAY + timedelta(days=3))  # not yet in force
    history(patient, [14] * 7)
    (row,) = dashboard_rows(user=clinician, today=TODAY)
    assert row.baseline_total == 14.0 and row.change == 0.0


def test_a_patient_without_check_ins_or_baseline_is_listed_as_missed(clinician, patient):
    (row,) = dashboard_rows(user=clinician, today=TODAY)
    assert row.last_checkin is None and row.latest_total is None and row.change is None
    assert row.missed and row.sparkline == []


def test_search_matches_first_or_last_name_case_insensitively(clinician, patient, other_patient):
    assert names(dashboard_rows(user=clinician, query="lovel", today=TODAY)) == ["Ada Lovelace"]
    assert names(dashboard_rows(user=clinician, query="BRIAN", today=TODAY)) == ["Brian Cox"]
    assert names(dashboard_rows(user=clinician, query="ada love", today=TODAY)) == ["Ada Lovelace"]
    assert dashboard_rows(user=clinician, query="nobody", today=TODAY) == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("alerts", ["Urgent Test", "High Test"]),
        ("declining", ["Decline Test"]),
        ("missed", ["Missed Test"]),
        (None, ["Urgent Test", "High Test", "Decline Test", "Missed Test", "Fine Test"]),
    ],
)
def test_the_status_filter(clinician, ward, status, expected):
    assert names(dashboard_rows(user=clinician, status=status, today=TODAY)) == expected


def test_the_team_filter_and_other_teams_patients(clinician, patient, team_b_patient, team_b):
    assert names(dashboard_rows(user=clinician, today=TODAY)) == ["Ada Lovelace"]
    assert dashboard_rows(user=clinician, team_id=team_b.pk, today=TODAY) == []
    CareTeamMembership.objects.create(team=team_b, user=clinician, team_role="nurse")
    assert sorted(names(dashboard_rows(user=clinician, today=TODAY))) == ["Ada Lovelace", "Cora Dale"]
    assert names(dashboard_rows(user=clinician, team_id=team_b.pk, today=TODAY)) == ["Cora Dale"]


def _populate(team, n):
    patients = Patient.objects.bulk_create(
        [
            Patient(care_team=team, first_name=f"P{i}", last_name="Bulk", date_of_birth=date(1960, 1, 1))
            for i in range(n)
        ]
    )
    rows, bases, alerts = [], [], []
    for i, p in enumerate(patients):
        for d in range(40):
            c = CheckIn(patient=p, date=TODAY - timedelta(days=d), fine_motor=4, gait=6, sensation=2, bladder=3)
            c.compute_derived()
            rows.append(c)
        bases += [
            Baseline(patient=p, method="automatic", effective_from=TODAY - timedelta(days=90), total=15, **_parts()),
            Baseline(patient=p, method="rebaseline", effective_from=TODAY - timedelta(days=20), total=14, **_parts()),
        ]
        if i % 2:
            alerts.append(
                Alert(patient=p, rule="drift", severity="moderate", severity_rank=2, date=TODAY, evidence="x")
            )
    CheckIn.objects.bulk_create(rows)
    Baseline.objects.bulk_create(bases)
    Alert.objects.bulk_create(alerts)


def _parts():
    return {"fine_motor": 4, "gait": 6, "sensation": 2, "bladder": 2}


@pytest.mark.parametrize("n", [5, 40])
def test_the_dashboard_uses_three_queries_whatever_the_number_of_patients(
    clinician, team_a, n, django_assert_num_queries
):
    _populate(team_a, n)
    with django_assert_num_queries(3):
        rows = dashboard_rows(user=clinician, today=TODAY)
        assert len(rows) == n
        assert all(len(r.sparkline) == 30 and r.baseline_total == 14 for r in rows)
        assert sum(1 for r in rows if r.open_alerts) == n // 2


def test_the_dashboard_page_query_count_does_not_grow_with_patients(clinician_client, team_a):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = clinician_client.get(reverse("team_patients"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    _populate(team_a, 5)
    small = count()
    _populate(team_a, 35)
    assert count() == small


# ---- HTTP ---------------------------------------------------------------------


def test_the_dashboard_page_lists_the_team_with_alert_evidence(clinician_client, ward):
    response = clinician_client.get(reverse("team_patients"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Urgent Test") < html.index("High Test") < html.index("Decline Test")
    assert "Red flag on 30 Jun: sudden weakness" in html
    assert 'id="last-updated"' in html and "Last updated" in html
    assert "<polyline" in html  # the 30-day sparkline
    assert "js/autorefresh.js" in html


def test_the_dashboard_page_loads_no_plotly(clinician_client, ward):
    html = clinician_client.get(reverse("team_patients")).content.decode()
    assert "plotly" not in html.lower()


def test_the_fragment_returns_the_rows_only_with_the_same_filters(clinician_client, ward):
    response = clinician_client.get(reverse("team_patients_fragment"), {"status": "alerts"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "data-updated" in html
    assert "Urgent Test" in html and "High Test" in html and "Fine Test" not in html


def test_a_new_alert_appears_in_the_fragment(clinician_client, ward):
    assert "Sudden drop in walking" not in clinician_client.get(reverse("team_patients_fragment")).content.decode()
    alert(ward["fine"], rule="rapid_decline", evidence="Sudden drop in walking")
    html = clinician_client.get(reverse("team_patients_fragment")).content.decode()
    assert "Sudden drop in walking" in html
    assert html.index("Fine Test") < html.index("Decline Test")


def test_a_search_is_posted_and_the_name_never_appears_in_a_url(clinician_client, ward):
    response = clinician_client.post(reverse("team_patients"), {"q": "urg", "status": "alerts"})
    assert response.status_code == 302
    assert response["Location"] == "/team/patients/?status=alerts"
    page = clinician_client.get(response["Location"])
    html = page.content.decode()
    assert 'data-fragment-url="/team/patients/fragment/?status=alerts"' in html
    assert "Urgent Test" in html and "High Test" not in html
    assert 'method="post"' in html and "urg" not in page.request["QUERY_STRING"]
    # The fragment refreshed by script keeps the same search without it in its URL.
    fragment = clinician_client.get(reverse("team_patients_fragment"), {"status": "alerts"}).content.decode()
    assert "Urgent Test" in fragment and "High Test" not in fragment


def test_a_name_in_the_query_string_is_not_used_as_a_search(clinician_client, ward):
    html = clinician_client.get(reverse("team_patients"), {"q": "urg"}).content.decode()
    assert "High Test" in html and "Fine Test" in html


def test_an_empty_search_clears_the_last_one(clinician_client, ward):
    clinician_client.post(reverse("team_patients"), {"q": "urg"})
    assert "Fine Test" not in clinician_client.get(reverse("team_patients")).content.decode()
    clinician_client.post(reverse("team_patients"), {"q": ""})
    assert "Fine Test" in clinician_client.get(reverse("team_patients")).content.decode()


def test_a_bad_posted_filter_is_a_400_naming_it(clinician_client, ward):
    response = clinician_client.post(reverse("team_patients"), {"q": "x" * 101})
    assert response.status_code == 400 and b"q:" in response.content


def test_another_teams_patients_are_absent(client, other_clinician, ward, team_b_patient):
    client.force_login(other_clinician)
    html = client.get(reverse("team_patients")).content.decode()
    assert "Cora Dale" in html
    assert "Urgent Test" not in html and "Red flag on 30 Jun" not in html
    assert "Urgent Test" not in client.get(reverse("team_patients_fragment")).content.decode()


@pytest.mark.parametrize("name", ["team_patients", "team_patients_fragment"])
def test_a_patient_gets_403(patient_client, name):
    assert patient_client.get(reverse(name)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("team_patients_fragment"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("params", "field"), [({"status": "bogus"}, "status"), ({"team": "abc"}, "team"), ({"team": "999999"}, "team")]
)
def test_a_bad_filter_is_a_400_naming_the_field(clinician_client, params, field):
    response = clinician_client.get(reverse("team_patients"), params)
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()


def test_an_admin_can_filter_by_any_team(client, admin_user, patient, team_b_patient, team_b):
    client.force_login(admin_user)
    html = client.get(reverse("team_patients"), {"team": team_b.pk}).content.decode()
    assert "Cora Dale" in html and "Ada Lovelace" not in html


def test_the_sparkline_is_drawn_in_days_and_score_points(clinician, patient):
    baseline(patient, 15.0)
    history(patient, [15, 14, 16])
    (row,) = dashboard_rows(user=clinician, today=TODAY)
    # 30-day window, range 14..16 padded to 4 points tall: top is 17.
    assert row.sparkline_box == "-0.5 0 30 4"
    assert row.sparkline_points == "27,2 28,3 29,1"
    assert row.baseline_y == "2"


def test_each_patient_is_judged_by_their_own_local_day(clinician, team_a):
    # UTC+14: for most of the UTC day their calendar is already on tomorrow.
    east = make_patient(team_a, None, "Kiri", "East", timezone="Pacific/Kiritimati")
    west = make_patient(team_a, None, "Hono", "West", timezone="Pacific/Honolulu")
    for p in (east, west):
        add_history(p, {0: (4, 6, 2, 3)}, start=p.local_today())
    rows = {r.name: r for r in dashboard_rows(user=clinician)}
    for name in ("Kiri East", "Hono West"):
        assert rows[name].days_since_checkin == 0 and rows[name].since_text == "today"
        assert rows[name].sparkline_values == [15] and rows[name].latest_total == 15.0


def test_a_fractional_baseline_is_shown_to_one_decimal():
    from clinic.selectors import DashboardRow

    row = DashboardRow(
        patient=None,
        name="A B",
        age=70,
        region="Cervical",
        team="A",
        last_checkin=None,
        days_since_checkin=None,
        latest_total=15,
        baseline_total=15.125,
        change=-0.1,
    )
    assert row.baseline_text == "/ 15.1 baseline"


def test_my_patients_are_those_with_an_open_alert_assigned_to_me(clinician, clinician_client, ward, team_a):
    colleague = make_user("nurse.a2", "clinician")
    CareTeamMembership.objects.create(team=team_a, user=colleague, team_role="nurse")
    Alert.objects.filter(patient=ward["urgent"]).update(assigned_to=clinician)
    Alert.objects.filter(patient=ward["high"]).update(assigned_to=colleague)
    resolved = alert(ward["decline"], status="resolved")
    Alert.objects.filter(pk=resolved.pk).update(assigned_to=clinician)
    assert names(dashboard_rows(user=clinician, status="mine", today=TODAY)) == ["Urgent Test"]
    assert names(dashboard_rows(user=colleague, status="mine", today=TODAY)) == ["High Test"]
    html = clinician_client.get(reverse("team_patients"), {"status": "mine"}).content.decode()
    assert "Urgent Test" in html and "High Test" not in html and "My patients" in html

"""The inbox's "Assigned to me" and "Unassigned" filters for the logged-in clinician."""

from django.urls import reverse
from django.utils import timezone

from notifications.models import Alert
from patients.models import CareTeamMembership, User
from tests.conftest import make_user


def alert(patient, evidence, assigned_to=None):
    return Alert.objects.create(
        patient=patient,
        rule="sustained_decline",
        severity="high",
        date=timezone.localdate(),
        evidence=evidence,
        assigned_to=assigned_to,
    )


def test_assigned_to_me_and_unassigned_split_the_team_inbox(
    clinician_client, clinician, team_a, patient, other_patient
):
    colleague = make_user("nurse.a2", User.Role.CLINICIAN)
    CareTeamMembership.objects.create(team=team_a, user=colleague, team_role="nurse")
    alert(patient, "Mine to follow", assigned_to=clinician)
    alert(other_patient, "Colleague's", assigned_to=colleague)
    Alert.objects.create(
        patient=patient, rule="missed_checkins", severity="low", date=timezone.localdate(), evidence="Nobody's yet"
    )

    def shown(owner):
        html = clinician_client.get(reverse("alert_inbox"), {"owner": owner}).content.decode()
        return {e for e in ("Mine to follow", "Colleague&#x27;s", "Nobody&#x27;s yet") if e in html}

    assert shown("me") == {"Mine to follow"}
    assert shown("unassigned") == {"Nobody&#x27;s yet"}
    assert shown("") == {"Mine to follow", "Colleague&#x27;s", "Nobody&#x27;s yet"}


def test_the_fragment_keeps_the_owner_filter(clinician_client, clinician, patient):
    alert(patient, "Mine to follow", assigned_to=clinician)
    html = clinician_client.get(reverse("alert_inbox_fragment"), {"owner": "unassigned"}).content.decode()
    assert "Mine to follow" not in html


def test_a_bad_owner_is_a_400_naming_the_field(clinician_client):
    response = clinician_client.get(reverse("alert_inbox"), {"owner": "nurse.b"})
    assert response.status_code == 400 and "owner:" in response.content.decode()

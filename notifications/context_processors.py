from notifications.selectors import open_alert_count_of_request
from patients.access import is_care_team_member


def open_alerts(request):
    """The nav badge: one COUNT for care-team members, nothing for patients or visitors."""
    user = getattr(request, "user", None)
    if user is None or not is_care_team_member(user):
        return {}
    return {"open_alert_count": open_alert_count_of_request(request)}

from django.conf import settings

from patients.middleware import is_care_team


def idle_timeout(request):
    """idle_seconds for base.html's warning banner (static/js/idle.js), for the care team only."""
    user = getattr(request, "user", None)
    if user is None or not is_care_team(user):
        return {}
    return {"idle_seconds": settings.CLINICIAN_IDLE_MINUTES * 60}

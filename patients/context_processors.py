from django.conf import settings

from patients.middleware import is_care_team
from patients.two_factor import two_factor_required


def idle_timeout(request):
    """For base.html: the idle warning's seconds (care team only), and whether two-factor is still owed.

    A clinician between the password and the code sees no navigation: the
    links would only bounce, and the open-alert badge is already a fact about patients.
    """
    user = getattr(request, "user", None)
    if user is None or not is_care_team(user):
        return {}
    pending = two_factor_required(user) and not user.is_verified()
    return {"idle_seconds": settings.CLINICIAN_IDLE_MINUTES * 60, "two_factor_pending": pending}

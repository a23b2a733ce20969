"""Reads about patients."""

from django.db.models import Max, QuerySet

from patients.access import patients_visible_to


def team_patient_list(*, user, query: str = "") -> QuerySet:
    patients = patients_visible_to(user).select_related("care_team").annotate(last_checkin=Max("checkins__date"))
    if query:
        from django.db.models import Q

        patients = patients.filter(Q(first_name__icontains=query) | Q(last_name__icontains=query))
    return patients.order_by("last_name", "first_name")

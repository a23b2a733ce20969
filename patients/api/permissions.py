"""Role permissions for API views: who may call an endpoint at all.

Which rows they then see is the access helper's job (patients.access).
"""

from rest_framework.permissions import BasePermission

from patients.access import is_care_team_member, self_service_patient


class IsPatient(BasePermission):
    """The patient, or a caregiver acting for the patient they help."""

    message = "Only patients (and their caregivers) have their own check-ins; care teams use /patients/{id}/checkins/."

    def has_permission(self, request, view) -> bool:
        return self_service_patient(request.user) is not None


class IsCareTeam(BasePermission):
    message = "This endpoint is for care teams."

    def has_permission(self, request, view) -> bool:
        return is_care_team_member(request.user)

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from audit.services import audit_change, audit_view
from patients.models import (
    ApiToken,
    Caregiver,
    CareTeam,
    CareTeamMembership,
    Invitation,
    Passkey,
    Patient,
    PatientContact,
    PatientEvent,
    User,
)


def _patient_id_of(obj) -> int | None:
    return obj.pk if isinstance(obj, Patient) else getattr(obj, "patient_id", None)


def _described(obj, **extra) -> dict:
    detail = {"model": obj._meta.model_name, "id": obj.pk, "record": str(obj)[:200], **extra}
    if isinstance(obj, CareTeamMembership):
        detail.update(team_id=obj.team_id, user_id=obj.user_id, team_role=obj.team_role)
    return detail


class AuditedAdmin(admin.ModelAdmin):
    """Every change an admin makes here, inlines included, leaves an audit row (who, what, which patient)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fields = sorted(form.changed_data)
        detail = _described(obj, change="changed" if change else "added", fields=fields)
        audit_change(user=request.user, patient_id=_patient_id_of(obj), what=obj._meta.model_name, detail=detail)

    def delete_model(self, request, obj):
        detail, patient_id = _described(obj, change="deleted"), _patient_id_of(obj)
        super().delete_model(request, obj)
        audit_change(user=request.user, patient_id=patient_id, what=obj._meta.model_name, detail=detail)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        deleted = [(_described(obj, change="deleted"), _patient_id_of(obj)) for obj in formset.deleted_objects]
        super().save_formset(request, form, formset, change)
        touched = [(obj, "added") for obj in formset.new_objects]
        touched += [(obj, "changed") for obj, _ in formset.changed_objects]
        for obj, how in touched:
            detail = _described(obj, change=how)
            audit_change(user=request.user, patient_id=_patient_id_of(obj), what=obj._meta.model_name, detail=detail)
        for detail, patient_id in deleted:
            audit_change(user=request.user, patient_id=patient_id, what=detail["model"], detail=detail)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("MyeloTrack", {"fields": ("role",)}))
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")


class MembershipInline(admin.TabularInline):
    model = CareTeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(CareTeam)
class CareTeamAdmin(AuditedAdmin):
    list_display = ("name", "phone", "urgent_escalation_minutes", "high_escalation_minutes")
    inlines = [MembershipInline]


class EventInline(admin.TabularInline):
    model = PatientEvent
    extra = 0


@admin.register(Patient)
class PatientAdmin(AuditedAdmin):
    list_display = ("full_name", "care_team", "region", "date_of_birth", "timezone")
    list_filter = ("care_team", "region")
    search_fields = ("first_name", "last_name")
    inlines = [EventInline]
    exclude = ("detector_state",)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and str(object_id).isascii() and str(object_id).isdigit():
            audit_view(user=request.user, patient_id=int(object_id), what="admin_patient")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CareTeamMembership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "team", "team_role")


@admin.register(PatientEvent)
class PatientEventAdmin(AuditedAdmin):
    list_display = ("patient", "kind", "date")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("code", "patient", "created_at", "expires_at", "accepted_at")


class ViewAndRemoveOnly:
    """Rows only their own flow may write (a log-in, the owner's browser, a checking service): the admin
    looks and deletes (a lost phone, a leaked token), never adds or edits."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ViewAndRemoveOnly, admin.ModelAdmin):
    """Admins see and revoke devices; tokens are only ever made by a log-in (the secret is never stored)."""

    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "expires_at")
    list_filter = ("sliding",)
    search_fields = ("user__username", "name")
    readonly_fields = ("user", "name", "prefix", "digest", "password_stamp", "created_at", "last_used_at", "expires_at")


@admin.register(Caregiver)
class CaregiverAdmin(AuditedAdmin):
    list_display = ("user", "patient", "created_at", "removed_at")
    list_filter = ("removed_at",)
    search_fields = ("user__username", "patient__last_name")
    raw_id_fields = ("user", "patient", "invited_by")


@admin.register(Passkey)
class PasskeyAdmin(ViewAndRemoveOnly, admin.ModelAdmin):
    """Admins see and remove passkeys (a lost phone); they are only ever made by their owner's browser."""

    list_display = ("user", "name", "created_at", "last_used_at")
    search_fields = ("user__username", "name")
    readonly_fields = ("user", "name", "credential_id", "sign_count", "created_at", "last_used_at")
    exclude = ("public_key",)


@admin.register(PatientContact)
class PatientContactAdmin(ViewAndRemoveOnly, AuditedAdmin):
    """Read here, edited on the patient's contact page, whose service checks and normalises the numbers."""

    list_display = ("patient", "mobile_phone", "preferred_method", "updated_at", "updated_by")
    search_fields = ("patient__last_name", "patient__first_name")
    readonly_fields = ("patient", "updated_at", "updated_by")

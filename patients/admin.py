from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from audit.services import audit_change, audit_view
from detection.rules import OPERATING_POINT_LEVELS, RuleConfig
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
        # Described before the save deletes them (their pk is gone after); formset.deleted_objects
        # exists only once save() has run, so read the deleted forms instead.
        deleted = [
            (_described(f.instance, change="deleted"), _patient_id_of(f.instance))
            for f in formset.deleted_forms
            if f.instance.pk is not None
        ]
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


class CareTeamForm(forms.ModelForm):
    """The team's named operating point, kept in rule_overrides beside any other override."""

    operating_point = forms.ChoiceField(
        choices=[("", "Site default"), *((name, name.capitalize()) for name in OPERATING_POINT_LEVELS)],
        required=False,
        help_text="How much evidence a decline alert needs: conservative (fewer false alerts, later), "
        "balanced, early (sooner, more false alerts). Figures in docs/detection.md.",
    )

    class Meta:
        model = CareTeam
        fields = [
            "name",
            "phone",
            "escalation_contact_email",
            "escalation_contact_webhook",
            "escalation_webhook_secret",
            "urgent_escalation_minutes",
            "high_escalation_minutes",
            "rule_overrides",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operating_point"].initial = (self.instance.rule_overrides or {}).get("operating_point", "")

    def clean(self):
        cleaned = super().clean()
        overrides = dict(cleaned.get("rule_overrides") or {})
        overrides.pop("operating_point", None)
        if cleaned.get("operating_point"):
            overrides["operating_point"] = cleaned["operating_point"]
        # A bad override is the admin's to fix here, not a log line at the next nightly sweep.
        try:
            RuleConfig.from_dict(overrides)
        except (TypeError, ValueError) as exc:
            self.add_error("rule_overrides", str(exc))
        cleaned["rule_overrides"] = overrides
        return cleaned


@admin.register(CareTeam)
class CareTeamAdmin(AuditedAdmin):
    form = CareTeamForm
    list_display = ("name", "phone", "operating_point", "urgent_escalation_minutes", "high_escalation_minutes")
    inlines = [MembershipInline]

    @admin.display(description="operating point")
    def operating_point(self, team):
        return (team.rule_overrides or {}).get("operating_point", "site default")


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

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from patients.models import CareTeam, CareTeamMembership, Invitation, Patient, PatientEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("MyeloTrack", {"fields": ("role",)}))
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")


class MembershipInline(admin.TabularInline):
    model = CareTeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "urgent_escalation_minutes", "high_escalation_minutes")
    inlines = [MembershipInline]


class EventInline(admin.TabularInline):
    model = PatientEvent
    extra = 0


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ("full_name", "care_team", "region", "date_of_birth", "timezone")
    list_filter = ("care_team", "region")
    search_fields = ("first_name", "last_name")
    inlines = [EventInline]
    exclude = ("detector_state",)


@admin.register(CareTeamMembership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "team_role")


@admin.register(PatientEvent)
class PatientEventAdmin(admin.ModelAdmin):
    list_display = ("patient", "kind", "date")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("code", "patient", "created_at", "expires_at", "accepted_at")

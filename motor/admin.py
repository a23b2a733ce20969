from django.contrib import admin

from motor.models import MotorSettings, MotorTeamRules, MotorTest


@admin.register(MotorTest)
class MotorTestAdmin(admin.ModelAdmin):
    list_display = ("patient", "date", "kind", "side", "count", "steps", "speed_m_s", "practice", "could_not_do")
    list_filter = ("kind", "practice", "could_not_do", "input_method")
    date_hierarchy = "date"
    raw_id_fields = ["patient", "entered_by"]
    # Results are the server's own scoring of `raw`: shown, not typed.
    readonly_fields = ("recorded_at",)


@admin.register(MotorSettings)
class MotorSettingsAdmin(admin.ModelAdmin):
    list_display = ("patient", "enabled", "every_days", "walk_distance_m", "updated_at")
    raw_id_fields = ["patient", "updated_by"]


@admin.register(MotorTeamRules)
class MotorTeamRulesAdmin(admin.ModelAdmin):
    list_display = ("team",)

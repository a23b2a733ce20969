from django.contrib import admin

from notifications.models import Alert, AlertEvent, Delivery, NotificationPreference


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    raw_id_fields = ["actor"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    raw_id_fields = ["recipient"]
    fields = ("recipient", "address", "channel", "escalation_level", "status", "attempts", "last_error", "sent_at")
    readonly_fields = fields


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = (
        "patient",
        "rule",
        "severity",
        "status",
        "opened_at",
        "acknowledged_at",
        "escalation_level",
        "resolved_at",
    )
    list_filter = ("status", "severity", "rule", "escalation_level")
    list_select_related = ["patient"]
    raw_id_fields = ["patient", "assigned_to", "acknowledged_by", "resolved_by"]
    date_hierarchy = "opened_at"
    inlines = [AlertEventInline, DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("alert", "recipient", "address", "channel", "escalation_level", "status", "attempts", "sent_at")
    list_filter = ("channel", "status", "escalation_level")
    list_select_related = ["alert__patient", "recipient"]
    raw_id_fields = ["alert", "recipient"]
    search_fields = ["address", "recipient__username"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "email_min_severity", "webhook_min_severity", "quiet_start", "quiet_end")
    raw_id_fields = ["user"]
    exclude = ["webhook_secret"]


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    # The audit trail: readable on its own, written only by the alert services.
    list_display = ("alert", "kind", "actor", "at")
    list_filter = ("kind",)
    raw_id_fields = ["alert", "actor"]

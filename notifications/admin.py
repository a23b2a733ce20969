from django.contrib import admin

from notifications.models import Alert, AlertEvent, Delivery, NotificationPreference


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("patient", "rule", "severity", "status", "opened_at", "acknowledged_at", "resolved_at")
    list_filter = ("status", "severity", "rule")
    raw_id_fields = ["patient"]
    inlines = [AlertEventInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("alert", "recipient", "address", "channel", "status", "attempts", "sent_at")
    list_filter = ("channel", "status")
    raw_id_fields = ["alert"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "email_min_severity", "webhook_min_severity")

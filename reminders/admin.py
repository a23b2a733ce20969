from django.contrib import admin

from reminders.models import PushSubscription, ReminderPreference, ReminderSent


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["patient", "channel", "time", "updated_at"]
    list_filter = ["channel"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["patient", "created_at", "last_success_at"]
    # The keys are the browser's secrets for decrypting its messages: shown to nobody.
    exclude = ["p256dh", "auth"]
    readonly_fields = ["patient", "endpoint", "created_at", "last_success_at"]


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["patient", "local_date", "kind", "channel", "status", "attempts", "error"]
    list_filter = ["status", "kind", "channel"]
    date_hierarchy = "local_date"

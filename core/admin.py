from django.contrib import admin

from core.models import ApiIdempotencyKey


@admin.register(ApiIdempotencyKey)
class ApiIdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("user", "key", "response_status", "created_at")
    raw_id_fields = ["user"]

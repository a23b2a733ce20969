from django.contrib import admin

from tracker.models import Baseline, CheckIn, CheckInRevision


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("patient", "date", "total", "fine_motor", "gait", "sensation", "bladder", "red_flag")
    list_filter = ("red_flag",)
    date_hierarchy = "date"
    raw_id_fields = ["patient"]


@admin.register(CheckInRevision)
class CheckInRevisionAdmin(admin.ModelAdmin):
    list_display = ("checkin", "replaced_at")
    raw_id_fields = ["checkin"]


@admin.register(Baseline)
class BaselineAdmin(admin.ModelAdmin):
    list_display = ("patient", "method", "total", "effective_from", "set_by", "set_at")
    raw_id_fields = ["patient"]

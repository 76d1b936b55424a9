from django.contrib import admin

from .models import CalendarDay
from .workdays import forget_schedule


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Single-day corrections. A whole year is entered on the 节假日安排 page (/calendar/), which
    also moves the open deadlines; a change here counts only for deadlines set from now on."""

    list_display = ("date", "is_workday", "name", "entered_by", "entered_at")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    search_fields = ("name",)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        forget_schedule(obj.date.year)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        forget_schedule(obj.date.year)

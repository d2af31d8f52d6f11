"""Back office for the team's calendar: shifts, holidays, agents' profiles and the roster."""

from django.contrib import admin

from .models import AgentProfile, Handover, HandoverItem, Holiday, RosterEntry, Shift


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "start", "end", "active"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "workday"]
    list_filter = ["workday"]
    date_hierarchy = "date"


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "skills", "senior", "ticket_capacity", "last_ticket_assigned_at"]
    list_filter = ["senior"]
    search_fields = ["user__username", "user__first_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["last_ticket_assigned_at"]


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "shift", "user"]
    list_filter = ["shift", "date"]
    date_hierarchy = "date"
    raw_id_fields = ["user"]


class HandoverItemInline(admin.TabularInline):
    model = HandoverItem
    extra = 0
    can_delete = False
    readonly_fields = ["ticket", "last_note", "next_action"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ["date", "shift", "prepared_by", "prepared_at", "acknowledged_by", "acknowledged_at"]
    list_filter = ["shift"]
    inlines = [HandoverItemInline]
    readonly_fields = ["shift", "date", "prepared_by", "prepared_at", "acknowledged_by", "acknowledged_at"]

    def has_add_permission(self, request):
        return False

"""Back office for calls: call records and raw events are read-only (the switch writes them); supervisors map
the switch's agent labels to staff users here."""

from django.contrib import admin

from . import services
from .models import AgentLine, Call, TelephonyEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["call_id", "queue", "offered_at", "outcome", "agent_label", "agent", "wait_seconds",
                    "talk_seconds", "customer"]
    list_filter = ["outcome", "queue", "offered_at"]
    search_fields = ["call_id", "caller_number", "agent_label", "agent__username", "customer__name"]
    date_hierarchy = "offered_at"
    list_select_related = ["agent", "customer"]
    show_full_result_count = False  # a count of millions of calls on every page is not worth its query


@admin.register(TelephonyEvent)
class TelephonyEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "call_id", "queue", "agent_label", "wait_seconds", "talk_seconds", "source",
                    "received_at"]
    list_filter = ["kind", "source"]
    search_fields = ["call_id", "agent_label", "event_id"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(AgentLine)
class AgentLineAdmin(admin.ModelAdmin):
    list_display = ["label", "user"]
    search_fields = ["label", "user__username"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.relink_agents()  # calls already recorded under the label get their agent too

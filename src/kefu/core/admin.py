from django.contrib import admin

from .models import AuditEntry, OutboxDelivery, OutboxEvent


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "kind", "object_repr", "field", "old_value", "new_value"]
    list_filter = ["kind", "content_type"]
    search_fields = ["object_repr", "object_id", "actor_label", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OutboxDeliveryInline(admin.TabularInline):
    """Which subscribers have handled the event (each exactly once)."""

    model = OutboxDelivery
    extra = 0
    can_delete = False
    readonly_fields = ["subscriber", "delivered_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "topic", "created_at", "dispatched_at", "attempts", "last_error"]
    list_filter = ["topic", ("dispatched_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["topic", "payload", "created_at", "available_at", "claimed_until", "dispatched_at",
                       "attempts", "last_error"]
    inlines = [OutboxDeliveryInline]

    def has_add_permission(self, request):
        return False

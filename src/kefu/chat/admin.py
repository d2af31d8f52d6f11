"""Back office for live chat: read-only records (every change goes through the services and the consoles)."""

from django.contrib import admin

from kefu.contact.models import AgentPresence, PresenceSpan

from .models import ChatAssignment, ChatMessage, Conversation


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    model = ChatMessage
    fields = ["sent_at", "author_kind", "author", "body", "image", "event", "read_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AssignmentInline(admin.TabularInline):
    model = ChatAssignment
    fields = ["agent", "assigned_at", "reason", "released_at", "release"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnly):
    list_display = ["number", "customer", "skill", "tier", "status", "agent", "started_at", "wait_seconds", "ticket"]
    list_filter = ["status", "skill", "tier"]
    search_fields = ["number", "customer__name", "agent__username"]
    date_hierarchy = "started_at"
    raw_id_fields = ["customer", "order", "agent", "ticket"]
    inlines = [AssignmentInline, MessageInline]


@admin.register(AgentPresence)
class AgentPresenceAdmin(admin.ModelAdmin):
    """Only the capacity is edited here; states move through the agent's console."""

    list_display = ["user", "state", "since", "active_chats", "chat_capacity", "last_seen_at"]
    list_filter = ["state"]
    fields = ["user", "state", "since", "active_chats", "chat_capacity", "last_assigned_at", "acw_until",
              "last_seen_at"]
    readonly_fields = ["user", "state", "since", "active_chats", "last_assigned_at", "acw_until", "last_seen_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        from .services.agents import set_capacity

        set_capacity(obj.user, form.cleaned_data["chat_capacity"], by=request.user)


@admin.register(PresenceSpan)
class PresenceSpanAdmin(ReadOnly):
    list_display = ["user", "state", "started_at", "ended_at", "reason"]
    list_filter = ["state"]
    date_hierarchy = "started_at"
    raw_id_fields = ["user"]

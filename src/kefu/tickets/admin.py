"""Back office for tickets: supervisors keep the SLA targets, queues, canned replies, the reply coach's phrases
and the survey questions here. Tickets themselves are read-only: the workbench's actions call the services."""

from django.contrib import admin

from .models import (
    CannedReply,
    CoachPhrase,
    FollowUpVisit,
    Notice,
    Queue,
    SlaClock,
    SlaPolicy,
    SurveyQuestion,
    Ticket,
    TicketMessage,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

class MessageInline(ReadOnlyInline):
    model = TicketMessage
    fields = ["created_at", "author_kind", "author", "internal", "channel", "body"]

class ClockInline(ReadOnlyInline):
    model = SlaClock
    fields = ["kind", "budget_seconds", "started_at", "due_at", "warned_at", "breached_at", "stopped_at"]

@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "kind", "channel", "queue", "priority", "status", "flow", "assignee",
                    "escalation_level", "created_at"]
    list_filter = ["status", "queue", "priority", "channel", "kind", "escalation_level", "flow"]
    search_fields = ["number", "subject", "customer__name", "customer__phone", "order__number", "requester_email"]
    date_hierarchy = "created_at"
    inlines = [MessageInline, ClockInline]
    list_select_related = ["queue", "assignee"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["priority", "name", "first_response_minutes", "next_response_minutes", "resolution_minutes",
                    "supervisor_minutes", "warn_percent"]

    def has_delete_permission(self, request, obj=None):
        return False  # every priority needs its targets

@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "skill", "senior_only", "care_team"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []  # routing refers to queues by code

    def has_delete_permission(self, request, obj=None):
        return False

@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "queue", "active"]
    list_filter = ["queue", "active"]
    search_fields = ["title", "body"]

@admin.register(CoachPhrase)
class CoachPhraseAdmin(admin.ModelAdmin):
    list_display = ["text", "suggestion", "active"]
    list_filter = ["active"]
    search_fields = ["text", "suggestion"]

@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "required", "position", "active"]
    list_editable = ["position", "active"]

@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(admin.ModelAdmin):
    list_display = ["ticket", "status", "due_at", "sent_at", "answered_at", "csat", "care_task"]
    list_filter = ["status", "csat"]
    search_fields = ["ticket__number"]
    exclude = ["token"]  # the customer's key to the survey: not for the back office

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "token"]

    def has_add_permission(self, request):
        return False

@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "customer", "ticket", "created_at", "read_at"]
    search_fields = ["title", "ticket__number"]
    readonly_fields = ["customer", "ticket", "title", "body", "link", "sent_by", "created_at", "read_at"]

    def has_add_permission(self, request):
        return False

"""Back office for the knowledge base and the questions the assistant answered badly.

Supervisors edit FAQ entries here; every save goes through the services, so it becomes a new version and
the page shows the history underneath (a version can be brought back from the versions list). Entries are
never deleted: make one inactive instead, and its history stays. The asked-questions list is read-only, with
two actions: turn the chosen questions into a draft FAQ entry, or mark them reviewed.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kefu.core.errors import DomainError

from . import services
from .models import AskedQuestion, Channel, FaqEntry, FaqVersion


class FaqEntryForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(label=_("shown on"), choices=Channel.choices,
                                         widget=forms.CheckboxSelectMultiple, initial=services.CUSTOMER_CHANNELS)
    note = forms.CharField(label=_("what changed"), max_length=200, required=False,
                           help_text=_("Kept with this version in the history."))

    class Meta:
        model = FaqEntry
        fields = ["key", "question", "answer", "alternatives", "category", "intent", "channels", "is_active"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 6}), "alternatives": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.check_faq_fields(data)
            except DomainError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


class VersionInline(admin.TabularInline):
    model = FaqVersion
    extra = 0
    can_delete = False
    fields = ["version", "saved_at", "saved_by", "note", "question", "answer", "is_active"]
    readonly_fields = fields
    verbose_name_plural = _("history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the history is written by the services, never through the page


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    form = FaqEntryForm
    list_display = ["question", "key", "category", "intent", "is_active", "version", "updated_at"]
    list_filter = ["is_active", "category", "intent"]
    search_fields = ["key", "question", "answer", "alternatives"]
    readonly_fields = ["version", "created_at", "updated_at", "updated_by"]
    inlines = [VersionInline]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "key"] if obj else self.readonly_fields  # data files refer to keys

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the history stays

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.FAQ_FIELDS}
        note = form.cleaned_data.get("note", "")
        if change:
            saved = services.update_faq_entry(obj, by=request.user, note=note, **values)
        else:
            saved = services.create_faq_entry(key=form.cleaned_data["key"], by=request.user, note=note, **values)
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})


@admin.register(FaqVersion)
class FaqVersionAdmin(admin.ModelAdmin):
    list_display = ["entry", "version", "saved_at", "saved_by", "note"]
    list_filter = ["entry__category"]
    search_fields = ["entry__key", "question", "answer"]
    actions = ["restore"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Restore the chosen version (saved as a new version)"),
                  permissions=["restore"])
    def restore(self, request, queryset):
        for version in queryset.select_related("entry"):
            services.restore_faq_version(version.entry, version.version, by=request.user)
        self.message_user(request, _("Restored."), messages.SUCCESS)

    def has_restore_permission(self, request):
        return request.user.has_perm("assistant.change_faqentry")


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("needed", _("Unanswered or low confidence, not reviewed")), ("done", _("Reviewed"))]

    def queryset(self, request, queryset):
        if self.value() == "needed":
            needed = services.review_queue()
            return queryset.filter(pk__in=needed.values("pk"))
        if self.value() == "done":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


@admin.register(AskedQuestion)
class AskedQuestionAdmin(admin.ModelAdmin):
    list_display = ["asked_at", "text", "intent", "confidence_shown", "outcome", "handoff", "faq", "channel",
                    "reviewed_at", "turned_into"]
    list_filter = [NeedsReviewFilter, "outcome", "intent", "handoff", "channel"]
    search_fields = ["text"]
    date_hierarchy = "asked_at"
    list_select_related = ["faq", "turned_into"]
    actions = ["turn_into_faq", "mark_reviewed"]

    @admin.display(description=_("confidence"), ordering="confidence")
    def confidence_shown(self, obj):
        return f"{obj.confidence:.2f}"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Turn into a FAQ entry (a draft to complete)"), permissions=["turn"])
    def turn_into_faq(self, request, queryset):
        entry = services.turn_into_faq(list(queryset), by=request.user)
        self.message_user(request, _("Draft FAQ entry created: write its answer, then make it active."),
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:assistant_faqentry_change", args=[entry.pk]))

    def has_turn_permission(self, request):
        return request.user.has_perm("assistant.add_faqentry") and request.user.has_perm(
            "assistant.change_askedquestion")

    @admin.action(description=_("Mark as reviewed"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = services.mark_reviewed(list(queryset), by=request.user)
        self.message_user(request, ngettext("%(n)d question marked as reviewed.",
                                            "%(n)d questions marked as reviewed.", count) % {"n": count})


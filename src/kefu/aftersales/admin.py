"""Back office for after-sales. Statuses and money are read-only here: actions call the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kefu.core.errors import DomainError

from .models import AfterSalesCase, CaseEvidence, CaseLine, CompensationCoupon, Inspection, Refund, ReturnShipment
from .services import cases, refunds, warehouse


def _each(modeladmin, request, queryset, action, done):
    ok = 0
    for obj in queryset:
        try:
            action(obj, by=request.user)
            ok += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}")


class CaseLineInline(admin.TabularInline):
    model = CaseLine
    extra = 0
    can_delete = False
    readonly_fields = ["order_line", "quantity", "condition", "accepted_quantity"]

    def has_add_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    model = CaseEvidence
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "file", "original_name", "content_type", "size", "uploaded_at", "uploaded_by"]

    def has_add_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = readonly_fields = ["idempotency_key", "kind", "method", "amount", "status", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AfterSalesCase)
class AfterSalesCaseAdmin(admin.ModelAdmin):
    list_display = ["number", "order", "kind", "reason", "status", "refund_goods", "refund_shipping", "urgent",
                    "escalated", "assigned_to", "received_at", "decided_at", "created_at"]
    list_filter = ["status", "kind", "reason", "urgent", "escalated"]
    search_fields = ["number", "order__number", "customer__name", "return_shipment__tracking_number"]
    raw_id_fields = ["assigned_to"]
    readonly_fields = [f.name for f in AfterSalesCase._meta.fields if f.name not in {"id", "assigned_to"}]
    inlines = [CaseLineInline, EvidenceInline, RefundInline]
    actions = ["approve", "escalate", "receive", "issue_refund", "close"]

    def has_add_permission(self, request):
        return False  # cases are opened through open_case (portal, workbench, API)

    def save_model(self, request, obj, form, change):
        if "assigned_to" in form.changed_data:
            cases.assign(obj, form.cleaned_data["assigned_to"], by=request.user)

    @admin.action(description=_("Approve"))
    def approve(self, request, queryset):
        _each(self, request, queryset, cases.approve, _("Approved"))

    @admin.action(description=_("Escalate"))
    def escalate(self, request, queryset):
        _each(self, request, queryset, cases.escalate, _("Escalated"))

    @admin.action(description=_("Receive the return parcel"))
    def receive(self, request, queryset):
        _each(self, request, queryset, warehouse.receive_return, _("Received"))

    @admin.action(description=_("Issue the refund"))
    def issue_refund(self, request, queryset):
        _each(self, request, queryset, refunds.issue_refund, _("Refund issued"))

    @admin.action(description=_("Close"))
    def close(self, request, queryset):
        _each(self, request, queryset, cases.close, _("Closed"))


@admin.register(ReturnShipment)
class ReturnShipmentAdmin(admin.ModelAdmin):
    list_display = ["case", "carrier", "tracking_number", "shipped_at"]
    search_fields = ["tracking_number", "case__number"]
    readonly_fields = ["case", "carrier", "tracking_number", "shipped_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["case", "outcome", "condition_found", "resellable", "wrong_item_confirmed", "inspected_at",
                    "restocked_at"]
    list_filter = ["outcome", "resellable"]
    readonly_fields = [f.name for f in Inspection._meta.fields if f.name != "id"]
    actions = ["restock"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Restock"))
    def restock(self, request, queryset):
        _each(self, request, queryset, lambda i, by: warehouse.restock(i.case, by=by), _("Restocked"))


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["idempotency_key", "order", "case", "kind", "method", "amount", "status", "created_at"]
    list_filter = ["status", "kind", "method"]
    search_fields = ["idempotency_key", "order__number", "case__number", "external_ref"]
    readonly_fields = [f.name for f in Refund._meta.fields if f.name != "id"]
    actions = ["mark_sent", "mark_confirmed"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Mark as sent"))
    def mark_sent(self, request, queryset):
        _each(self, request, queryset, refunds.mark_refund_sent, _("Marked sent"))

    @admin.action(description=_("Mark as confirmed"))
    def mark_confirmed(self, request, queryset):
        _each(self, request, queryset, refunds.mark_refund_confirmed, _("Marked confirmed"))


@admin.register(CompensationCoupon)
class CompensationCouponAdmin(admin.ModelAdmin):
    list_display = ["code", "case", "customer", "face_value", "issued_at", "expires_at"]
    search_fields = ["code", "case__number"]
    readonly_fields = [f.name for f in CompensationCoupon._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False


@admin.register(CaseEvidence)
class CaseEvidenceAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "original_name", "content_type", "size", "uploaded_at"]
    readonly_fields = [f.name for f in CaseEvidence._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False

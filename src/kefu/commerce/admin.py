from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kefu.core.errors import DomainError

from .models import (
    Address,
    Carrier,
    Category,
    Customer,
    EnterpriseQualification,
    Integration,
    Invoice,
    Order,
    OrderLine,
    Payment,
    Product,
    Seller,
    Shipment,
    Sku,
    TrackingEvent,
)
from .services import customers as customer_services
from .services import orders as order_services


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_phone", "tier", "spend_12m", "created_at"]
    list_filter = ["tier"]
    search_fields = ["name", "phone", "email"]
    readonly_fields = ["tier", "spend_12m", "tier_computed_at", "created_at"]
    raw_id_fields = ["user"]
    inlines = [AddressInline]
    actions = ["recompute_tiers"]

    @admin.action(description=_("Recompute membership tier"))
    def recompute_tiers(self, request, queryset):
        for customer in queryset:
            customer_services.recompute_tier(customer, actor=request.user)
        self.message_user(request, _("Tiers recomputed."))


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_own_fleet"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "seller", "warranty_days", "is_fresh", "installation_required"]
    list_filter = ["category", "seller__kind", "is_fresh", "is_customised", "is_digital_download",
                   "is_sealed_av_software", "is_periodical", "is_declared_nonreturnable", "sanbao_applies",
                   "installation_required"]
    search_fields = ["code", "name", "brand"]
    inlines = [SkuInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "brand", "category", "seller", "selling_points"]}),
        (_("After-sales attributes"), {"fields": [
            "is_fresh", "is_customised", "is_digital_download", "is_sealed_av_software", "is_periodical",
            "is_declared_nonreturnable", "warranty_days", "sanbao_applies", "installation_required",
        ]}),
    ]


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ["code", "product", "spec", "version", "price", "stock", "is_active"]
    search_fields = ["code", "product__name"]
    list_filter = ["is_active"]
    raw_id_fields = ["product"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["sku"]


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0


class ShipmentInline(admin.TabularInline):
    model = Shipment
    extra = 0
    readonly_fields = ["last_code", "last_event_at", "exception_kind", "signed_at"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "seller", "status", "payment_method", "payable_amount", "placed_at"]
    list_filter = ["status", "payment_method", "seller__kind"]
    search_fields = ["number", "external_id", "customer__phone", "customer__name"]
    date_hierarchy = "placed_at"
    raw_id_fields = ["customer"]
    # Status changes go through the order services (state machine + audit), never a bare edit.
    readonly_fields = ["status", "paid_at", "shipped_at", "signed_at", "completed_at", "cancelled_at",
                       "cancel_reason", "payment_deadline"]
    inlines = [OrderLineInline, PaymentInline, ShipmentInline]
    actions = ["cancel_by_seller"]

    @admin.action(description=_("Cancel (by the seller)"))
    def cancel_by_seller(self, request, queryset):
        for order in queryset:
            try:
                order_services.cancel_order(order, reason="seller_cancelled", actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{order.number}: {exc.message}", level=messages.ERROR)


@admin.register(TrackingEvent)
class TrackingEventAdmin(admin.ModelAdmin):
    list_display = ["shipment", "occurred_at", "code", "exception_kind", "place"]
    list_filter = ["code", "exception_kind"]
    search_fields = ["shipment__tracking_number", "place"]
    raw_id_fields = ["shipment"]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["tracking_number", "carrier", "order", "shipped_at", "promised_end", "last_code",
                    "exception_kind"]
    list_filter = ["carrier", "last_code", "exception_kind"]
    search_fields = ["tracking_number", "order__number"]
    raw_id_fields = ["order"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["order", "kind", "title", "amount"]
    list_filter = ["kind"]
    raw_id_fields = ["order", "qualification"]


@admin.register(EnterpriseQualification)
class EnterpriseQualificationAdmin(admin.ModelAdmin):
    list_display = ["company_name", "taxpayer_id", "customer"]
    search_fields = ["company_name", "taxpayer_id"]
    raw_id_fields = ["customer"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["transaction_id", "order", "channel", "amount", "paid_at"]
    search_fields = ["transaction_id", "order__number"]
    raw_id_fields = ["order"]


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "token_prefix", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["token_prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # tokens are issued with `kefu create_integration NAME`, shown once

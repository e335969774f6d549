from django.contrib import admin

from .models import HolderBiometrics, Order, Product, ReferralLink


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "holder_type", "certificate_type", "media", "validity_months", "price", "active"]
    list_filter = ["holder_type", "certificate_type", "media", "active"]
    list_editable = ["price", "active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(ReferralLink)
class ReferralLinkAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "partner", "product", "benefit", "active", "visits", "orders_count", "expires_at"]
    list_filter = ["benefit", "active"]
    search_fields = ["name", "code", "partner__name"]
    list_select_related = ["partner", "product"]
    readonly_fields = ["code", "visits", "orders_count"]
    autocomplete_fields = ["partner"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "created_at", "holder_display", "product", "price", "status", "partner"]
    list_filter = ["status", "product__holder_type", "product__certificate_type"]
    search_fields = ["number", "person_cpf", "cnpj", "person_name", "company_name", "email"]
    list_select_related = ["product", "partner"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["issuance_password_hash", "revocation_password_hash"]

    @admin.display(description="titular")
    def holder_display(self, order: Order) -> str:
        return f"{order.holder_name} ({order.holder_document_display})"

    def get_readonly_fields(self, request, obj=None):
        # State and money move only through services; the admin shows them.
        return [field.name for field in self.model._meta.fields if field.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HolderBiometrics)
class HolderBiometricsAdmin(admin.ModelAdmin):
    list_display = ["cpf", "source", "recorded_by", "recorded_at"]
    list_filter = ["source"]
    search_fields = ["cpf"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

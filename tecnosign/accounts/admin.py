from django.contrib import admin, messages
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tecnosign.admin_base import ReadOnlyAdmin
from tecnosign.audit.services import Actor

from .models import LoginThrottle, UserSession
from .services.factors import factor_revoke_by_staff
from .services.throttle import is_locked, login_throttle_unlock


class LockedNowFilter(admin.SimpleListFilter):
    title = "situação"
    parameter_name = "bloqueado"

    def lookups(self, request, model_admin):
        return [("sim", "Bloqueados agora")]

    def queryset(self, request, queryset):
        if self.value() == "sim":
            return queryset.filter(locked_until__gt=timezone.now())
        return queryset


@admin.register(LoginThrottle)
class LoginThrottleAdmin(ReadOnlyAdmin):
    """Who is locked out of the login forms (and of partner password-reset e-mails); staff lift a lock here."""

    list_display = ["label", "scope", "failures", "window_started_at", "locked_until", "locked_now"]
    list_filter = [LockedNowFilter, "scope"]
    search_fields = ["label"]
    actions = ["unlock"]

    @admin.display(description="bloqueado agora", boolean=True)
    def locked_now(self, throttle: LoginThrottle) -> bool:
        return is_locked(throttle)

    def has_unlock_permission(self, request) -> bool:
        return request.user.has_perm("accounts.unlock_loginthrottle")

    @admin.action(description="Desbloquear (zera as tentativas)", permissions=["unlock"])
    def unlock(self, request, queryset):
        actor = Actor.from_request(request)
        unlocked = sum(login_throttle_unlock(throttle=row, actor=actor) for row in queryset)
        self.message_user(request, f"{unlocked} bloqueio(s) desfeito(s).", messages.SUCCESS)


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    list_display = ["user", "ip", "user_agent", "created_at", "last_seen_at"]
    search_fields = ["user__username", "ip"]
    list_select_related = ["user"]
    exclude = ["session_key"]  # a live session key is a password: never shown


# django-otp's own admins would let a superuser read a TOTP key or delete a factor unaudited: replaced by a list
# that shows no secret and removes a lost factor through the audited service.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class FactorAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "confirmed"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_revoke_permission(self, request) -> bool:
        return request.user.is_superuser

    @admin.action(description="Remover (a pessoa cadastra outro no próximo login)", permissions=["revoke"])
    def revoke(self, request, queryset):
        actor = Actor.from_request(request)
        for device in queryset:
            factor_revoke_by_staff(device=device, actor=actor)
        self.message_user(request, f"{queryset.count()} método(s) removido(s); as sessões da pessoa terminaram.")


admin.site.register(TOTPDevice, FactorAdmin)
admin.site.register(StaticDevice, FactorAdmin)

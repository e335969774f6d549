"""Who is locked out of the login forms, and which sessions a staff user has open."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class LoginThrottle(models.Model):
    """Wrong passwords per account and per client IP (and partner password-reset e-mails), in a fixed window; then
    a lock. Kept in the database so that a restart or a cache flush lifts no lock; moved only by conditional UPDATEs
    (tecnosign.accounts.services.throttle), never read-then-written."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", "Conta (login)"
        IP = "ip", "Endereço IP (login)"
        RESET_ACCOUNT = "reset_account", "E-mail (nova senha)"
        RESET_IP = "reset_ip", "Endereço IP (nova senha)"

    scope = models.CharField("escopo", max_length=16, choices=Scope.choices)
    key = models.CharField("chave", max_length=64, help_text="O IP, ou o SHA-256 do usuário digitado.")
    label = models.CharField("usuário ou IP", max_length=150, help_text="Como foi digitado (o primeiro).")
    failures = models.PositiveSmallIntegerField("tentativas na janela", default=0)
    window_started_at = models.DateTimeField("janela desde", default=timezone.now)
    locked_until = models.DateTimeField("bloqueado até", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "bloqueio de login"
        verbose_name_plural = "bloqueios de login"
        ordering = ["-window_started_at"]
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="login_throttle_scope_key_unique")]
        permissions = [("unlock_loginthrottle", "Pode desbloquear contas e endereços bloqueados no login")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.label}"


class UserSession(models.Model):
    """A signed-in session of a staff member or partner (an index over django.contrib.sessions): what a password or
    factor change ends, and what "sair de todos os dispositivos" ends."""

    session_key = models.CharField("sessão", max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="usuário", on_delete=models.CASCADE, related_name="sessions_open"
    )
    created_at = models.DateTimeField("aberta em", default=timezone.now)
    last_seen_at = models.DateTimeField("último uso", default=timezone.now)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("navegador", max_length=300, blank=True)

    class Meta:
        verbose_name = "sessão aberta"
        verbose_name_plural = "sessões abertas"
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} — {self.user_agent[:60]}"

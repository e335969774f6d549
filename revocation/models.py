"""Revocation requests (by the revocation password or by a notarised letter) and the password-guess counters."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tecnosign.storage import private_storage

from .reasons import Reason


def letter_path(instance: "RevocationRequest", filename: str) -> str:
    # Random names, as for the customers' documents: nothing about the holder leaks through the storage.
    now = timezone.now()
    return f"revocation-letters/{now:%Y/%m}/{uuid.uuid4().hex}{EXTENSIONS[instance.letter_content_type]}"


EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class RevocationRequest(models.Model):
    """One request to revoke one certificate: its reason, the guarantee decision and, by letter, the review.

    A request by password, or an urgent one by the link and code sent to the holder's contact, is created already
    `revoked` (the password, or the contact, is the proof). A request by letter waits for the signed, notarised scan,
    then for staff to approve (revoke) or refuse it.
    """

    class Channel(models.TextChoices):
        PASSWORD = "password", "Senha de revogação"
        LETTER = "letter", "Carta com firma reconhecida"
        URGENT = "urgent", "Revogação urgente (link no e-mail e código por SMS)"

    class Status(models.TextChoices):
        AWAITING_LETTER = "awaiting_letter", "Aguardando a carta assinada"
        UNDER_REVIEW = "under_review", "Carta em análise"
        REFUSED = "refused", "Carta recusada"
        REVOKED = "revoked", "Certificado revogado"
        CLOSED = "closed", "Encerrado sem revogação"

    OPEN = (Status.AWAITING_LETTER, Status.UNDER_REVIEW)

    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="revocation_requests"
    )
    certificate = models.ForeignKey(
        "issuance.Certificate", verbose_name="certificado", on_delete=models.PROTECT, related_name="revocation_requests"
    )
    channel = models.CharField("forma", max_length=8, choices=Channel.choices)
    status = models.CharField("situação", max_length=16, choices=Status.choices, db_index=True)
    reason = models.CharField("motivo", max_length=20, choices=Reason.choices)
    # What the customer gave for the reissue, used only when the guarantee applies.
    new_cnpj = models.CharField("CNPJ correto (filial)", max_length=14, blank=True)
    pis_nis = models.CharField("PIS/NIS informado", max_length=11, blank=True)
    cei = models.CharField("CEI informado", max_length=12, blank=True)
    new_revocation_password_hash = models.CharField(max_length=256, blank=True, editable=False)

    # The staff URL of the letter carries this, never the sequential pk.
    public_id = models.UUIDField("identificador público", default=uuid.uuid4, unique=True, editable=False)
    letter = models.FileField(
        "carta assinada", upload_to=letter_path, storage=private_storage, max_length=200, blank=True
    )
    letter_original_name = models.CharField("nome do arquivo", max_length=255, blank=True)
    letter_content_type = models.CharField("formato", max_length=40, blank=True)
    letter_size = models.PositiveIntegerField("tamanho (bytes)", null=True, blank=True)
    letter_sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    letter_uploaded_at = models.DateTimeField("carta enviada em", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="analisado por",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("analisado em", null=True, blank=True)
    refusal_reason = models.TextField("motivo da recusa", blank=True)

    within_guarantee = models.BooleanField("dentro da garantia", null=True)
    guarantee_ends_at = models.DateTimeField("garantia até", null=True, blank=True)
    revoked_at = models.DateTimeField("revogado em", null=True, blank=True)
    replacement = models.OneToOneField(
        "orders.Order",
        verbose_name="pedido de reemissão",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revocation_origin",
    )
    created_at = models.DateTimeField("criado em", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "pedido de revogação"
        verbose_name_plural = "pedidos de revogação"
        ordering = ["-created_at"]
        permissions = [("review_letter", "Pode aprovar ou recusar cartas de revogação")]
        constraints = [
            # A certificate is revoked once; and one letter at a time waits for it.
            models.UniqueConstraint(fields=["certificate"], condition=Q(status="revoked"), name="revocation_once"),
            models.UniqueConstraint(
                fields=["certificate"],
                condition=Q(status__in=["awaiting_letter", "under_review"]),
                name="revocation_one_open_letter",
            ),
            models.CheckConstraint(
                condition=Q(channel="letter") | Q(status="revoked"), name="revocation_password_is_immediate"
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="revocation_refusal_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="under_review") | Q(letter_uploaded_at__isnull=False),
                name="revocation_review_has_letter",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_at__isnull=False), name="revocation_revoked_at_set"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.get_reason_display()}"

    @property
    def reference(self) -> str:
        return f"REV-{self.pk:06d}" if self.pk else "REV"


class PasswordThrottle(models.Model):
    """Wrong revocation passwords per certificate and per client IP, in a fixed window; then a lock. A session that
    proved the e-mail on file (it opened a holder link) counts on its own key instead, per link.

    Kept in the database so that a restart or a cache flush does not lift a lock. Moved only by conditional
    UPDATEs (revocation.services.throttle), never read-then-written.
    """

    class Scope(models.TextChoices):
        CERTIFICATE = "certificate", "Certificado"
        IP = "ip", "Endereço IP"
        HOLDER_LINK = "holder_link", "Sessão aberta por link do titular"

    scope = models.CharField("escopo", max_length=12, choices=Scope.choices)
    key = models.CharField("chave", max_length=64)
    failures = models.PositiveSmallIntegerField("tentativas na janela", default=0)
    window_started_at = models.DateTimeField("janela desde", default=timezone.now)
    locked_until = models.DateTimeField("bloqueado até", null=True, blank=True)

    class Meta:
        verbose_name = "bloqueio de senha de revogação"
        verbose_name_plural = "bloqueios de senha de revogação"
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="throttle_scope_key_unique")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"


class ReissueConfirmation(models.Model):
    """A same-holder guarantee reissue: the holder's proof of contact, then a hold before the hand-off to the CA.

    The replacement reuses the original validation only after the holder showed control of the e-mail and the mobile
    on file (a REISSUE holder link and its SMS code) and chose new passwords on the link's page — the revocation
    password alone may be an attacker's. It is then `verified` but held `REISSUE_NOTICE_MINUTES`, the holder told by
    e-mail and SMS with a one-time "Não fui eu" link, until a beat task claims the due row and hands it off (once,
    whatever the beats). Stopped by that link, or when the holder no longer has the contact, the replacement goes the
    normal way from `paid`: documents and a new videoconference. Moved only by `revocation.services.reissue_proof`.
    """

    class Status(models.TextChoices):
        AWAITING_HOLDER = "awaiting_holder", "Aguardando a confirmação do titular"
        ON_HOLD = "on_hold", "Confirmada — aguardando o envio à AC"
        HANDED_OFF = "handed_off", "Enviada à AC"
        STOPPED = "stopped", "Cancelada pelo titular (“Não fui eu”): nova validação"
        NEW_VALIDATION = "new_validation", "Sem acesso ao e-mail ou celular: nova validação"

    request = models.OneToOneField(
        RevocationRequest,
        verbose_name="pedido de revogação",
        on_delete=models.PROTECT,
        related_name="reissue_confirmation",
    )
    replacement = models.OneToOneField(
        "orders.Order",
        verbose_name="pedido de reemissão",
        on_delete=models.PROTECT,
        related_name="reissue_confirmation",
    )
    status = models.CharField(
        "situação", max_length=16, choices=Status.choices, default=Status.AWAITING_HOLDER, db_index=True
    )
    # The passwords the holder chose on the link's page, written to the replacement only at the hand-off (a "Não fui
    # eu" drops them with the hold) and cleared then.
    issuance_password_hash = models.CharField(max_length=256, blank=True, editable=False)
    revocation_password_hash = models.CharField(max_length=256, blank=True, editable=False)
    created_at = models.DateTimeField("criado em", default=timezone.now)
    confirmed_at = models.DateTimeField("confirmado pelo titular em", null=True, blank=True)
    due_at = models.DateTimeField("envio à AC previsto para", null=True, blank=True)
    handed_off_at = models.DateTimeField("enviado à AC em", null=True, blank=True)
    stopped_at = models.DateTimeField("desviado para nova validação em", null=True, blank=True)

    class Meta:
        verbose_name = "confirmação de reemissão"
        verbose_name_plural = "confirmações de reemissão"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["due_at"], name="reissue_hold_due_idx", condition=Q(status="on_hold"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="on_hold") | Q(due_at__isnull=False, confirmed_at__isnull=False),
                name="reissue_hold_has_due_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Reemissão {self.replacement_id} ({self.get_status_display()})"

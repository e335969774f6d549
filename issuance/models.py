"""The CA's key material, the hand-off of verified orders to the CA, and the certificates it issued."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CertificateAuthority(models.Model):
    """A certificate the portal signs with: the local root, the issuing CA, or the delegated OCSP responder.

    The private key is PKCS#8 sealed with AES-256-GCM under an Argon2id key derived from CA_KEY_PASSPHRASE
    (issuance.pki.keys; rows made before hold a PBKDF2-encrypted PEM until re-wrapped); it never leaves this row
    in clear. The field keeps its historical name.
    """

    class Role(models.TextChoices):
        ROOT = "root", "AC raiz"
        ISSUING = "issuing", "AC emissora"
        OCSP = "ocsp", "Respondedor OCSP delegado"

    slug = models.SlugField("identificador", max_length=60, unique=True)
    role = models.CharField("papel", max_length=8, choices=Role.choices)
    name = models.CharField("nome", max_length=120)
    subject = models.CharField("DN", max_length=500)
    parent = models.ForeignKey(
        "self", verbose_name="emitida por", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    certificate_pem = models.TextField("certificado (PEM)")
    private_key_pem = models.TextField("chave privada (cifrada)", editable=False)
    serial = models.CharField("número de série", max_length=40)
    fingerprint_sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    not_before = models.DateTimeField("válido de")
    not_after = models.DateTimeField("válido até")
    crl_number = models.PositiveBigIntegerField("número da última LCR", default=0)
    active = models.BooleanField("em uso", default=True)
    created_at = models.DateTimeField("criada em", default=timezone.now)

    class Meta:
        verbose_name = "autoridade certificadora"
        verbose_name_plural = "autoridades certificadoras"
        ordering = ["role", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["role"], condition=Q(active=True), name="ca_one_active_per_role"),
            models.CheckConstraint(condition=Q(role="root") | Q(parent__isnull=False), name="ca_only_root_is_self"),
        ]

    def __str__(self) -> str:
        return self.name


class LocalCaSubmission(models.Model):
    """The local CA's own record of a request it received (what a real AC keeps on its side).

    `request_key` is the portal's idempotency key: submitting the same request again returns this row.
    """

    request_key = models.UUIDField(unique=True)
    reference = models.CharField(max_length=40, unique=True)
    identity = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    release_at = models.DateTimeField()

    class Meta:
        verbose_name = "pedido recebido pela AC local"
        verbose_name_plural = "pedidos recebidos pela AC local"

    def __str__(self) -> str:
        return self.reference


class LocalCaCertificate(models.Model):
    """The local CA's ledger of what it signed and revoked: the source of its CRL and OCSP answers."""

    authority = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="issued")
    serial = models.CharField(max_length=40)
    submission = models.ForeignKey(LocalCaSubmission, null=True, blank=True, on_delete=models.PROTECT)
    not_after = models.DateTimeField()
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    reason = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "certificado assinado pela AC local"
        verbose_name_plural = "certificados assinados pela AC local"
        constraints = [
            models.UniqueConstraint(fields=["authority", "serial"], name="local_ca_serial_unique"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, reason__isnull=True)
                | Q(revoked_at__isnull=False, reason__isnull=False),
                name="local_ca_revocation_consistent",
            ),
        ]
        indexes = [models.Index(fields=["authority", "revoked_at"], name="local_ca_crl_idx")]

    def __str__(self) -> str:
        return self.serial


class IssuanceRequest(models.Model):
    """A verified order handed to the CA, which has ISSUANCE_SLA_HOURS from `submitted_at` to release it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Aguardando envio à AC"
        SUBMITTED = "submitted", "Na AC, aguardando liberação"
        RELEASED = "released", "Liberado pela AC"
        REJECTED = "rejected", "Recusado pela AC"

    PENDING = (Status.QUEUED, Status.SUBMITTED)

    order = models.OneToOneField(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="issuance_request"
    )
    key = models.UUIDField("chave de idempotência", default=uuid.uuid4, unique=True, editable=False)
    backend = models.CharField("AC", max_length=16)
    status = models.CharField("situação", max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    submitted_at = models.DateTimeField("entregue à AC em", default=timezone.now)
    sla_deadline = models.DateTimeField("prazo da AC", db_index=True)
    accepted_at = models.DateTimeField("aceito pela AC em", null=True, blank=True)
    released_at = models.DateTimeField("liberado em", null=True, blank=True)
    external_reference = models.CharField("protocolo na AC", max_length=100, null=True, blank=True, unique=True)
    attempts = models.PositiveSmallIntegerField("tentativas de envio", default=0)
    last_attempt_at = models.DateTimeField("última tentativa", null=True, blank=True)
    last_error = models.TextField("último erro", blank=True)
    last_polled_at = models.DateTimeField("última consulta", null=True, blank=True)
    warned_at = models.DateTimeField("alerta de prazo em", null=True, blank=True)
    breached_at = models.DateTimeField("prazo estourado em", null=True, blank=True)
    media_delivered_at = models.DateTimeField("mídia entregue em", null=True, blank=True)
    media_delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="entrega registrada por",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    password_failures = models.PositiveSmallIntegerField("senhas de emissão erradas", default=0)
    password_locked_until = models.DateTimeField("emissão bloqueada até", null=True, blank=True)

    class Meta:
        verbose_name = "pedido de emissão"
        verbose_name_plural = "pedidos de emissão"
        ordering = ["sla_deadline"]
        permissions = [("mark_media_delivered", "Pode registrar a entrega da mídia A3")]
        constraints = [
            models.CheckConstraint(condition=Q(sla_deadline__gt=models.F("submitted_at")), name="issuance_sla_after"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "rejected"]) | Q(external_reference__isnull=False),
                name="issuance_reference_once_accepted",
            ),
            models.CheckConstraint(
                condition=~Q(status="released") | Q(released_at__isnull=False), name="issuance_released_at_set"
            ),
        ]

    def __str__(self) -> str:
        return f"Emissão do pedido {self.order.number}" if self.order_id else "Emissão"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    @property
    def time_left(self):
        return self.sla_deadline - timezone.now()


class Certificate(models.Model):
    """An end-entity certificate issued for an order. Moves only through issuance services."""

    class Status(models.TextChoices):
        VALID = "valid", "Válido"
        REVOKED = "revoked", "Revogado"

    class Reason(models.IntegerChoices):
        """RFC 5280 CRLReason codes. No certificateHold/removeFromCRL: ICP-Brasil has no suspension."""

        UNSPECIFIED = 0, "Não especificado (unspecified)"
        KEY_COMPROMISE = 1, "Comprometimento da chave (keyCompromise)"
        CA_COMPROMISE = 2, "Comprometimento da AC (cACompromise)"
        AFFILIATION_CHANGED = 3, "Mudança de vínculo (affiliationChanged)"
        SUPERSEDED = 4, "Substituído (superseded)"
        CESSATION_OF_OPERATION = 5, "Cessação de uso (cessationOfOperation)"
        PRIVILEGE_WITHDRAWN = 9, "Privilégio retirado (privilegeWithdrawn)"

    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="certificates"
    )
    request = models.ForeignKey(
        IssuanceRequest,
        verbose_name="pedido de emissão",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    backend = models.CharField("AC", max_length=16)
    issuer = models.CharField("emissor (DN)", max_length=500)
    serial = models.CharField("número de série (hex)", max_length=40)
    subject = models.CharField("titular (DN)", max_length=500)
    not_before = models.DateTimeField("válido de")
    not_after = models.DateTimeField("válido até")
    fingerprint_sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    # SHA-256 of the SubjectPublicKeyInfo: a key is certified once (a token's key cannot be reused for a new one).
    public_key_sha256 = models.CharField("SHA-256 da chave pública", max_length=64, unique=True)
    certificate_pem = models.TextField("certificado (PEM)")
    status = models.CharField("situação", max_length=8, choices=Status.choices, default=Status.VALID, db_index=True)
    revocation_reason = models.PositiveSmallIntegerField("motivo da revogação", choices=Reason.choices, null=True)
    revoked_at = models.DateTimeField("revogado em", null=True, blank=True)
    issued_at = models.DateTimeField("emitido em", default=timezone.now)

    class Meta:
        verbose_name = "certificado"
        verbose_name_plural = "certificados"
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="valid"), name="certificate_one_live_per_order"
            ),
            models.UniqueConstraint(fields=["issuer", "serial"], name="certificate_issuer_serial_unique"),
            models.CheckConstraint(
                condition=Q(status="valid", revoked_at__isnull=True, revocation_reason__isnull=True)
                | Q(status="revoked", revoked_at__isnull=False, revocation_reason__isnull=False),
                name="certificate_revocation_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial})"

    @property
    def serial_number(self) -> int:
        return int(self.serial, 16)


class RevocationList(models.Model):
    """A published CRL (DER), served as is at the URL named in the certificates."""

    authority = models.ForeignKey(
        CertificateAuthority, verbose_name="AC", on_delete=models.PROTECT, related_name="revocation_lists"
    )
    number = models.PositiveBigIntegerField("número")
    this_update = models.DateTimeField("emitida em")
    next_update = models.DateTimeField("próxima atualização")
    entries = models.PositiveIntegerField("certificados revogados")
    der = models.BinaryField("LCR (DER)")

    class Meta:
        verbose_name = "lista de certificados revogados"
        verbose_name_plural = "listas de certificados revogados"
        ordering = ["-this_update"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "number"], name="crl_number_unique_per_ca"),
        ]

    def __str__(self) -> str:
        return f"LCR nº {self.number} de {self.authority}"


class NegativeListEntry(models.Model):
    """The local CA's Lista Negativa: people (CPF) and companies (CNPJ) the CA does not certify.

    What an external AC keeps on its side and answers through its API; with the embedded CA, staff keep it in the
    admin (`issuance.services.negative_list`, every change audited). A removed entry stays, with who removed it.
    """

    document = models.CharField("CPF ou CNPJ", max_length=14, db_index=True)
    reason = models.CharField("motivo", max_length=500)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="incluído por", null=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField("incluído em", default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="retirado por",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    removed_at = models.DateTimeField("retirado em", null=True, blank=True)

    class Meta:
        verbose_name = "Lista Negativa (AC local)"
        verbose_name_plural = "Lista Negativa (AC local)"
        ordering = ["-added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(removed_at__isnull=True),
                name="negative_list_one_active_entry",
                violation_error_message="Este CPF/CNPJ já está na Lista Negativa.",
            ),
        ]

    def __str__(self) -> str:
        return self.document

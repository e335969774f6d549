"""Agents' availability, the bookings that take it, and the timed work each booking carries.

Agents are staff users in the "agents" group. Their hours are Brasília wall-clock times; bookings are
stored as aware datetimes (UTC in the database) and shown in Brasília time.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tecnosign.storage import private_storage

from .constraints import PostgresExclusionConstraint, TsTzRange
from .video import validate_meeting_url

AGENTS_GROUP = "agents"
AGENT_CHOICES = {"groups__name": AGENTS_GROUP, "is_active": True}


class Weekday(models.IntegerChoices):
    MONDAY = 0, "segunda-feira"
    TUESDAY = 1, "terça-feira"
    WEDNESDAY = 2, "quarta-feira"
    THURSDAY = 3, "quinta-feira"
    FRIDAY = 4, "sexta-feira"
    SATURDAY = 5, "sábado"
    SUNDAY = 6, "domingo"


class AgentProfile(models.Model):
    """What the booking needs to know about an agent beyond the user: the fixed meeting link, if any."""

    class Provider(models.TextChoices):
        TEAMS = "teams", "Microsoft Teams"
        ZOOM = "zoom", "Zoom"
        WEBEX = "webex", "Webex"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="agente",
        on_delete=models.CASCADE,
        related_name="agent_profile",
        limit_choices_to=AGENT_CHOICES,
    )
    meeting_provider = models.CharField("plataforma", max_length=8, choices=Provider.choices, blank=True)
    meeting_url = models.URLField(
        "link fixo da sala",
        max_length=500,
        blank=True,
        help_text="Usado quando VIDEOCONFERENCE_PROVIDER=agent. Sem link, o agente não recebe agendamentos nesse modo.",
    )

    class Meta:
        verbose_name = "perfil de agente"
        verbose_name_plural = "perfis de agente"

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        if bool(self.meeting_url) != bool(self.meeting_provider):
            raise ValidationError({"meeting_url": "Informe a plataforma e o link da sala juntos."})
        if self.meeting_url:
            validate_meeting_url(self.meeting_provider, self.meeting_url)


class AvailabilityRule(models.Model):
    """A weekly window of work (Brasília time). A break is the gap between two windows of the same day."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="agente",
        on_delete=models.CASCADE,
        related_name="availability_rules",
        limit_choices_to=AGENT_CHOICES,
    )
    weekday = models.PositiveSmallIntegerField("dia da semana", choices=Weekday.choices)
    start = models.TimeField("início")
    end = models.TimeField("fim")

    class Meta:
        verbose_name = "horário semanal"
        verbose_name_plural = "horários semanais"
        ordering = ["agent", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="availability_rule_end_after_start"),
            models.UniqueConstraint(fields=["agent", "weekday", "start"], name="availability_rule_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "O fim deve ser depois do início."})


class AvailabilityException(models.Model):
    """A dated change to an agent's week: a day (or part of it) off, or extra hours (also on a holiday)."""

    class Kind(models.TextChoices):
        OFF = "off", "Folga / indisponível"
        EXTRA = "extra", "Horário extra"

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="agente",
        on_delete=models.CASCADE,
        related_name="availability_exceptions",
        limit_choices_to=AGENT_CHOICES,
    )
    date = models.DateField("data")
    kind = models.CharField("tipo", max_length=8, choices=Kind.choices)
    start = models.TimeField("início", null=True, blank=True, help_text="Em branco numa folga: o dia inteiro.")
    end = models.TimeField("fim", null=True, blank=True)
    note = models.CharField("observação", max_length=200, blank=True)

    class Meta:
        verbose_name = "exceção de agenda"
        verbose_name_plural = "exceções de agenda"
        ordering = ["-date", "agent", "start"]
        indexes = [models.Index(fields=["date", "agent"], name="availability_exc_date_idx")]
        constraints = [
            # Either a whole day off (no times) or a window with end after start; extra hours need a window.
            models.CheckConstraint(
                condition=Q(kind="off", start__isnull=True, end__isnull=True)
                | Q(start__isnull=False, end__isnull=False, end__gt=models.F("start")),
                name="availability_exception_window",
            ),
        ]

    def __str__(self) -> str:
        window = f" {self.start:%H:%M}–{self.end:%H:%M}" if self.start and self.end else ""
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}{window}"

    def clean(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValidationError({"end": "Informe o início e o fim, ou deixe os dois em branco (dia inteiro)."})
        if self.kind == self.Kind.EXTRA and self.start is None:
            raise ValidationError({"start": "Um horário extra precisa de início e fim."})
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "O fim deve ser depois do início."})


# Bookings that hold an agent's and a person's time (Booking.ACTIVE, spelled out for Meta).
ACTIVE_STATUSES = ("scheduled", "in_progress")


class Booking(models.Model):
    """One certificate's videoconference: an agent's time, the link, and what happened.

    Three database constraints make double booking impossible whatever the concurrency: an agent holds
    one active booking at a time, an order holds one active booking, and the person on camera (the
    holder, or an e-CNPJ's legal representative) is never in two active bookings at overlapping times.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Agendada"
        IN_PROGRESS = "in_progress", "Em atendimento"
        COMPLETED = "completed", "Concluída"
        NO_SHOW = "no_show", "Cliente não compareceu"
        RESCHEDULED = "rescheduled", "Remarcada"
        CANCELLED = "cancelled", "Cancelada"

    class Outcome(models.TextChoices):
        VALIDATED = "validated", "Validado"
        REJECTED = "rejected", "Recusado"
        CUSTOMER_NO_SHOW = "customer_no_show", "Cliente não compareceu"

    class Channel(models.TextChoices):
        CUSTOMER = "customer", "Cliente"
        PARTNER = "partner", "Parceiro"
        STAFF = "staff", "Equipe"

    ACTIVE = (Status.SCHEDULED, Status.IN_PROGRESS)

    order = models.ForeignKey("orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="bookings")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="agente", on_delete=models.PROTECT, related_name="agent_bookings"
    )
    attendee_cpf = models.CharField("CPF de quem comparece", max_length=11)
    starts_at = models.DateTimeField("início")
    ends_at = models.DateTimeField("fim")
    status = models.CharField("situação", max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    sequence = models.PositiveSmallIntegerField(
        "versão do convite", default=0, help_text="SEQUENCE do convite .ics: sobe a cada remarcação do pedido."
    )
    video_url = models.URLField("link da videoconferência", max_length=500)
    eligibility_basis = models.CharField("base da elegibilidade", max_length=120)
    channel = models.CharField("agendado por", max_length=8, choices=Channel.choices, default=Channel.CUSTOMER)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="usuário que agendou",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mobile_confirmed = models.CharField("celular confirmado pelo parceiro", max_length=16, blank=True)
    created_at = models.DateTimeField("criado em", default=timezone.now)
    # The appointment, as the agent records it.
    started_at = models.DateTimeField("atendimento iniciado em", null=True, blank=True)
    # Who pressed "start": the agent at that moment. It stays when an appointment in progress is handed to another
    # agent, so the verification centre knows everyone who acted on the dossier (four eyes).
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="atendimento iniciado por",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finished_at = models.DateTimeField("atendimento encerrado em", null=True, blank=True)
    outcome = models.CharField("resultado", max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField("motivo", blank=True)
    agent_late_at = models.DateTimeField("atraso do agente sinalizado em", null=True, blank=True)
    closed_at = models.DateTimeField("cancelada/remarcada em", null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", verbose_name="remarcada para", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    class Meta:
        verbose_name = "videoconferência"
        verbose_name_plural = "videoconferências"
        ordering = ["starts_at"]
        permissions = [("reassign_booking", "Reatribuir videoconferências a outro agente")]
        indexes = [
            models.Index(
                fields=["starts_at"], name="booking_active_start_idx", condition=Q(status__in=ACTIVE_STATUSES)
            ),
            models.Index(fields=["agent", "starts_at"], name="booking_agent_start_idx"),
            # Every booking by time, whatever its status: the day's agenda of all agents, the admin list.
            models.Index(fields=["starts_at", "id"], name="booking_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True, started_by__isnull=True)
                | Q(started_at__isnull=False, started_by__isnull=False),
                name="booking_started_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["completed", "no_show"]) | (~Q(outcome="") & Q(finished_at__isnull=False)),
                name="booking_finished_has_outcome",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(status__in=ACTIVE_STATUSES), name="booking_one_active_per_order"
            ),
            # Portable guards (SQLite included) for slots that start at the same minute…
            models.UniqueConstraint(
                fields=["agent", "starts_at"], condition=Q(status__in=ACTIVE_STATUSES), name="booking_agent_slot_unique"
            ),
            models.UniqueConstraint(
                fields=["attendee_cpf", "starts_at"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="booking_attendee_slot_unique",
            ),
            # …and on PostgreSQL, no overlap at all (see scheduling/constraints.py).
            PostgresExclusionConstraint(
                name="booking_agent_no_overlap",
                expressions=[
                    ("agent", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
            PostgresExclusionConstraint(
                name="booking_attendee_no_overlap",
                expressions=[
                    ("attendee_cpf", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%d/%m/%Y %H:%M} (Brasília)"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class BookingTimer(models.Model):
    """Work due at a time for a booking: the customer's reminders and the agent-late check.

    A beat task scans due rows every minute and claims each one with a conditional UPDATE, so a beat that
    was down catches up and two beats never do the same row; the outbox key makes each message unique.
    """

    class Kind(models.TextChoices):
        DAY_BEFORE = "day_before", "Lembrete na véspera"
        TEN_MINUTES = "ten_minutes", "Lembrete 10 minutos antes"
        AGENT_LATE_CHECK = "agent_late_check", "Verificação de atraso do agente"

    class Status(models.TextChoices):
        PENDING = "pending", "Pendente"
        DONE = "done", "Feito"
        SKIPPED = "skipped", "Dispensado"

    booking = models.ForeignKey(
        Booking, verbose_name="videoconferência", on_delete=models.CASCADE, related_name="timers"
    )
    kind = models.CharField("tipo", max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField("quando")
    expires_at = models.DateTimeField("perde o sentido em", help_text="Depois disso o lembrete é dispensado.")
    status = models.CharField("situação", max_length=8, choices=Status.choices, default=Status.PENDING)
    done_at = models.DateTimeField("feito em", null=True, blank=True)

    class Meta:
        verbose_name = "agendamento de aviso"
        verbose_name_plural = "agendamentos de avisos"
        ordering = ["due_at"]
        indexes = [models.Index(fields=["due_at"], name="booking_timer_due_idx", condition=Q(status="pending"))]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind"], name="booking_timer_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class Validation(models.Model):
    """The agent's identity check of one appointment: the checklist, the outcome and how long it took.

    A dossier returned by the verification centre is validated again by the agent: a new row, the old one
    kept. The checklist is enforced by the database for a validated outcome. `recorded_by` is who recorded it,
    which the service requires to be the booking's agent at that moment (rows from before it was recorded may
    name a superuser who acted for the agent: the audit log said so).
    """

    class Outcome(models.TextChoices):
        VALIDATED = "validated", "Identidade validada"
        REJECTED = "rejected", "Validação recusada"

    class RejectReason(models.TextChoices):
        DOCUMENT_MISMATCH = "document_mismatch", "O documento não confere com os dados do pedido"
        DOCUMENT_INVALID = "document_invalid", "Documento ilegível, vencido, rasurado ou não original"
        NOT_HOLDER = "not_holder", "Quem compareceu não é o titular (ou havia outra pessoa conduzindo)"
        NOT_LEGAL_REPRESENTATIVE = "not_legal_representative", "Não é o representante legal da empresa"
        ENVIRONMENT = "environment", "Ambiente inadequado (barulho, pouca luz, em trânsito)"
        CONNECTION = "connection", "Conexão instável impediu a validação"
        OTHER = "other", "Outro motivo (descrito na observação)"

    # Rejections that call for a new document before the customer may book again; the others only need a new slot.
    NEW_DOCUMENT_REASONS = frozenset({RejectReason.DOCUMENT_MISMATCH, RejectReason.DOCUMENT_INVALID})

    booking = models.ForeignKey(
        Booking, verbose_name="videoconferência", on_delete=models.PROTECT, related_name="validations"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="validations"
    )
    # The booking's agent when the result was recorded, and who recorded it: the same person (a constraint).
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="agente", on_delete=models.PROTECT, related_name="validations"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="registrada por", on_delete=models.PROTECT, related_name="+"
    )
    requires_legal_representative = models.BooleanField("e-CNPJ: exige o representante legal", editable=False)
    check_document = models.BooleanField("documento original e conferindo com os dados", default=False)
    check_holder_in_person = models.BooleanField("o titular em pessoa, sem outra pessoa", default=False)
    check_legal_representative = models.BooleanField("é o representante legal da empresa (e-CNPJ)", default=False)
    check_environment = models.BooleanField("ambiente adequado", default=False)
    eligibility_basis = models.CharField("base da videoconferência", max_length=120)
    # DOC-ICP-05.02 item 2.1.5: a positive biometric match waives the identity document (then not checked).
    documents_waived = models.BooleanField("documento dispensado (biometria positiva)", default=False, editable=False)
    # The evidence the validation rests on (empty on rows recorded before it was collected, and on rejections).
    face_capture = models.ForeignKey(
        "FaceCapture", verbose_name="foto do rosto", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    biometric_match = models.ForeignKey(
        "BiometricMatch",
        verbose_name="consulta biométrica",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    negative_list_check = models.ForeignKey(
        "NegativeListCheck",
        verbose_name="consulta à Lista Negativa",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField("resultado", max_length=12, choices=Outcome.choices)
    reject_reason = models.CharField("motivo da recusa", max_length=32, choices=RejectReason.choices, blank=True)
    note = models.TextField("observação", blank=True)
    started_at = models.DateTimeField("início do atendimento")
    finished_at = models.DateTimeField("fim do atendimento")
    duration_seconds = models.PositiveIntegerField("duração (s)")
    returned_at = models.DateTimeField("devolvida pela central em", null=True, blank=True)

    class Meta:
        verbose_name = "validação"
        verbose_name_plural = "validações"
        ordering = ["-finished_at"]
        permissions = [("conduct_appointment", "Conduzir videoconferências e validar identidades")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="validated")
                | (
                    Q(check_holder_in_person=True, check_environment=True)
                    & (Q(check_document=True) | Q(documents_waived=True))
                    & (Q(requires_legal_representative=False) | Q(check_legal_representative=True))
                ),
                name="validation_checklist_complete",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="rejected") | ~Q(reject_reason=""), name="validation_reject_has_reason"
            ),
            models.CheckConstraint(condition=Q(finished_at__gte=models.F("started_at")), name="validation_times"),
        ]

    def __str__(self) -> str:
        return f"{self.order} — {self.get_outcome_display()} por {self.agent}"

    @property
    def duration_display(self) -> str:
        minutes, seconds = divmod(self.duration_seconds, 60)
        return f"{minutes} min {seconds:02d} s"


class Verification(models.Model):
    """The verification centre's second look at a validated dossier, by someone who did not act on it.

    The service refuses everyone who acted on the booking (conducted it, started it, recorded any of its
    validations); the database refuses the one who recorded this validation and the one who started the booking.
    """

    class Outcome(models.TextChoices):
        VERIFIED = "verified", "Aprovado"
        RETURNED = "returned", "Devolvido ao agente"

    validation = models.ForeignKey(
        Validation, verbose_name="validação", on_delete=models.PROTECT, related_name="verifications"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="verifications"
    )
    # The people who acted on the dossier are repeated here so that the database itself refuses a verifier who is
    # one of them: who conducted the appointment and recorded the validation, and who started it.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="agente (registrou a validação)",
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="atendimento iniciado por", on_delete=models.PROTECT, related_name="+"
    )
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="verificador", on_delete=models.PROTECT, related_name="verifications"
    )
    outcome = models.CharField("decisão", max_length=12, choices=Outcome.choices)
    reason = models.TextField("motivo da devolução", blank=True)
    decided_at = models.DateTimeField("decidido em", default=timezone.now)

    class Meta:
        verbose_name = "verificação"
        verbose_name_plural = "verificações"
        ordering = ["-decided_at"]
        permissions = [("verify_dossier", "Aprovar ou devolver dossiês na central de verificação")]
        constraints = [
            models.CheckConstraint(condition=~Q(verifier=models.F("agent")), name="verification_four_eyes"),
            models.CheckConstraint(
                condition=~Q(verifier=models.F("started_by")), name="verification_four_eyes_starter"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="returned") | ~Q(reason=""), name="verification_return_has_reason"
            ),
            models.UniqueConstraint(fields=["validation"], name="verification_one_decision_per_validation"),
        ]

    def __str__(self) -> str:
        return f"{self.order} — {self.get_outcome_display()} por {self.verifier}"


def _evidence_path(folder: str, extension: str) -> str:
    # Random names, as for documents: nothing about the holder in the storage, nothing to guess.
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


IMAGE_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png"}


def face_capture_path(instance: "FaceCapture", filename: str) -> str:
    return _evidence_path("faces", IMAGE_EXTENSIONS[instance.content_type])


def base_face_path(instance: "BiometricMatch", filename: str) -> str:
    return _evidence_path("faces-base", IMAGE_EXTENSIONS[instance.base_face_content_type])


def dossier_path(instance: "SealedDossier", filename: str) -> str:
    return _evidence_path("dossiers", ".zip")


class FaceCapture(models.Model):
    """A still of the holder's face the agent took and confirmed during the videoconference (IN ITI 05/2021).

    Kept privately like the documents (never a public URL), with its SHA-256; who took it and when are in the row
    and in the audit log. The agent may take another: the dossier uses the one the biometric base was asked about.
    """

    public_id = models.UUIDField("identificador público", default=uuid.uuid4, unique=True, editable=False)
    booking = models.ForeignKey(
        Booking, verbose_name="videoconferência", on_delete=models.PROTECT, related_name="face_captures"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="face_captures"
    )
    file = models.FileField("foto", upload_to=face_capture_path, storage=private_storage, max_length=200)
    content_type = models.CharField("formato", max_length=20)
    size = models.PositiveIntegerField("tamanho (bytes)")
    width = models.PositiveIntegerField("largura (px)")
    height = models.PositiveIntegerField("altura (px)")
    sha256 = models.CharField("SHA-256", max_length=64)
    captured_at = models.DateTimeField("capturada em", default=timezone.now)
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="capturada por", on_delete=models.PROTECT, related_name="+"
    )
    purged_at = models.DateTimeField("arquivo eliminado em", null=True, blank=True)

    class Meta:
        verbose_name = "foto do rosto"
        verbose_name_plural = "fotos do rosto"
        ordering = ["-captured_at", "-pk"]

    def __str__(self) -> str:
        return f"Foto do rosto de {timezone.localtime(self.captured_at):%d/%m/%Y %H:%M}"


class BiometricMatch(models.Model):
    """One answer of the biometric base (the CA's PSBio) about the holder's face: into the dossier, with its protocol.

    "positivo" with the name on file matching the order's fills `orders.HolderBiometrics` and waives the identity
    document; "negativo" blocks the validation; "não consta" leaves it to the eligibility rule without biometrics.
    """

    class Result(models.TextChoices):
        POSITIVE = "positivo", "Positivo — a face confere com a da base"
        NEGATIVE = "negativo", "Negativo — a face não confere com a da base"
        NOT_IN_BASE = "nao_consta", "CPF não consta da base biométrica"

    public_id = models.UUIDField("identificador público", default=uuid.uuid4, unique=True, editable=False)
    booking = models.ForeignKey(
        Booking, verbose_name="videoconferência", on_delete=models.PROTECT, related_name="biometric_matches"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="biometric_matches"
    )
    face_capture = models.ForeignKey(
        FaceCapture, verbose_name="foto consultada", on_delete=models.PROTECT, related_name="matches"
    )
    reference = models.UUIDField("referência da consulta", default=uuid.uuid4, unique=True, editable=False)
    backend = models.CharField("base", max_length=16)
    cpf = models.CharField("CPF consultado", max_length=11)
    result = models.CharField("resultado", max_length=12, choices=Result.choices)
    protocol = models.CharField("protocolo", max_length=80)
    name_in_base = models.CharField("nome na base", max_length=150, blank=True)
    name_matches = models.BooleanField("o nome confere com o do pedido", default=False)
    base_face = models.FileField(
        "face na base", upload_to=base_face_path, storage=private_storage, max_length=200, blank=True
    )
    base_face_content_type = models.CharField("formato da face na base", max_length=20, blank=True)
    base_face_sha256 = models.CharField("SHA-256 da face na base", max_length=64, blank=True)
    queried_at = models.DateTimeField("consultada em", default=timezone.now)
    queried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="consultada por", on_delete=models.PROTECT, related_name="+"
    )
    purged_at = models.DateTimeField("face da base eliminada em", null=True, blank=True)

    class Meta:
        verbose_name = "consulta biométrica"
        verbose_name_plural = "consultas biométricas"
        ordering = ["-queried_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_result_display()} (protocolo {self.protocol})"

    @property
    def waives_documents(self) -> bool:
        return self.result == self.Result.POSITIVE and self.name_matches


class NegativeListCheck(models.Model):
    """The CA's Lista Negativa asked about the holder during the appointment, before the agent may validate."""

    booking = models.ForeignKey(
        Booking, verbose_name="videoconferência", on_delete=models.PROTECT, related_name="negative_list_checks"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="negative_list_checks"
    )
    listed = models.BooleanField("consta da lista")
    reference = models.CharField("referência da AC", max_length=100)
    reason = models.CharField("motivo informado pela AC", max_length=500, blank=True)
    checked_at = models.DateTimeField("consultada em", default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="consultada por", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "consulta à Lista Negativa"
        verbose_name_plural = "consultas à Lista Negativa"
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{'Consta' if self.listed else 'Não consta'} (referência {self.reference})"


class SealedDossier(models.Model):
    """The holder's electronic dossier, written once when the verifier approves: one zip with a manifest.json of
    SHA-256 digests, whose own digest is recorded in the audit chain (`dossier.sealed`). `manage.py
    verify_audit_log` checks every file of every sealed dossier against it."""

    public_id = models.UUIDField("identificador público", default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        "orders.Order", verbose_name="pedido", on_delete=models.PROTECT, related_name="sealed_dossiers"
    )
    verification = models.OneToOneField(
        Verification, verbose_name="aprovação", on_delete=models.PROTECT, related_name="sealed_dossier"
    )
    file = models.FileField("arquivo (zip)", upload_to=dossier_path, storage=private_storage, max_length=200)
    size = models.PositiveIntegerField("tamanho (bytes)")
    sha256 = models.CharField("SHA-256 do arquivo", max_length=64)
    manifest_sha256 = models.CharField("SHA-256 do manifest.json", max_length=64)
    files = models.PositiveSmallIntegerField("arquivos no dossiê")
    sealed_at = models.DateTimeField("selado em", default=timezone.now)
    purged_at = models.DateTimeField("arquivo eliminado em", null=True, blank=True)

    class Meta:
        verbose_name = "dossiê selado"
        verbose_name_plural = "dossiês selados"
        ordering = ["-sealed_at"]
        permissions = [("download_dossier", "Baixar dossiês selados")]

    def __str__(self) -> str:
        return f"Dossiê do pedido {self.order.number}" if self.order_id else "Dossiê"


class AgendaEntry(Booking):
    """The agent's own appointments (a view of Booking for the back office's "my day")."""

    class Meta:
        proxy = True
        # The menu's label; the list's count says "N videoconferências" (templates/admin/scheduling/agendaentry/).
        verbose_name = "minha agenda"
        verbose_name_plural = "minha agenda"


class VerificationQueueEntry(Validation):
    """Validated dossiers waiting for the verification centre (a view of Validation)."""

    class Meta:
        proxy = True
        verbose_name = "dossiê a verificar"
        verbose_name_plural = "central de verificação"

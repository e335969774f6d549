"""Who may run which admin action: every action of every registered admin, as every role, through the changelist.

Django lets anyone who can open a changelist run an action that declares no permission; a support agent
confirmed a sandbox payment and approved partners that way. Here the actions are enumerated from the admin
site itself (each admin's `actions` plus the site-wide ones such as `delete_selected`), so a new action fails
`test_every_action_has_an_intended_roles_entry` until it is given a line in INTENDED. For each action and role:
the action is offered only to the intended roles, and POSTing it to the changelist as any other role changes
nothing (the target row re-read, every table counted, nothing queued), while an intended role gets its effect.
"""

import itertools
from collections.abc import Callable
from datetime import date, time, timedelta
from decimal import Decimal
from functools import cached_property

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from issuance.backends import CaUnavailable
from issuance.backends.local import LocalCa
from issuance.models import IssuanceRequest
from issuance.services import issuance_submit
from issuance.services.negative_list import negative_list_add
from issuance.services.publication import crl_publish
from issuance.tests.helpers import a1_issue_as_customer
from orders.models import CommissionEntry, Document, HolderBiometrics, Order, Partner, Payment, PaymentEvent, Refund
from orders.services.payments import payment_start
from orders.tests.factories import (
    A3TokenProductFactory,
    LinkFactory,
    OrderFactory,
    PartnerFactory,
    ProductFactory,
    UserFactory,
    valid_cpf,
)
from partners.models import CommissionPayout, LinkLimits
from partners.services.tokens import api_token_create
from privacy.models import PrivacyRequest
from renewal.models import ExpiryReminder, OnlineRenewal
from revocation.models import PasswordThrottle, ReissueConfirmation, RevocationRequest
from scheduling.models import (
    AGENTS_GROUP,
    AgentProfile,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    SealedDossier,
    Validation,
    Verification,
)
from scheduling.roles import MANAGERS_GROUP, SUPPORT_GROUP, VERIFIERS_GROUP, ensure_roles
from scheduling.tests.factories import make_agent, ready_order
from tecnosign.accounts.models import LoginThrottle, UserSession
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import SYSTEM, audit_record
from tecnosign.helpcenter.models import Article
from tecnosign.notifications.models import OutboxMessage
from tecnosign.tests.auth import staff_login
from tokens import sealing
from tokens.models import TokenJob, Workstation

pytestmark = pytest.mark.django_db

NO_GROUP = "staff without a group"
SUPERUSER = "superuser"
ROLES = (AGENTS_GROUP, VERIFIERS_GROUP, SUPPORT_GROUP, MANAGERS_GROUP, NO_GROUP, SUPERUSER)

NOBODY: frozenset[str] = frozenset()
ONLY_SUPERUSER = frozenset({SUPERUSER})
MANAGEMENT = frozenset({MANAGERS_GROUP, SUPERUSER})
SUPPORT = frozenset({SUPPORT_GROUP, SUPERUSER})
AGENTS = frozenset({AGENTS_GROUP, SUPERUSER})

# The one table of who may run what. `delete_selected` is offered wherever the admin allows deleting: rows that
# only services write (orders, payments, audit, issuance, …) are never deleted by hand, not even by a superuser.
INTENDED: dict[tuple[str, str], frozenset[str]] = {
    # Payments: the sandbox "bank" is a test tool, never a role's work.
    ("orders.payment", "sandbox_confirm"): ONLY_SUPERUSER,
    ("orders.payment", "sandbox_fail"): ONLY_SUPERUSER,
    ("orders.payment", "delete_selected"): NOBODY,
    # Refunds: support retries a failed one; a second pair of eyes (the management) approves large ones and records
    # the manual transfers.
    ("orders.refund", "approve"): MANAGEMENT,
    ("orders.refund", "retry_now"): frozenset({SUPPORT_GROUP, MANAGERS_GROUP, SUPERUSER}),
    ("orders.refund", "transfer_done"): MANAGEMENT,
    ("orders.refund", "delete_selected"): NOBODY,
    # Partners: deciding on them and revoking their API keys is the management's.
    ("orders.partner", "approve"): MANAGEMENT,
    ("orders.partner", "suspend"): MANAGEMENT,
    ("orders.partner", "reject"): MANAGEMENT,
    ("orders.partner", "require_second_factor"): MANAGEMENT,
    ("orders.partner", "leave_second_factor_to_partner"): MANAGEMENT,
    ("orders.partner", "delete_selected"): ONLY_SUPERUSER,
    ("partners.apitoken", "revoke"): MANAGEMENT,
    ("partners.apitoken", "delete_selected"): NOBODY,
    ("partners.commissionpayout", "delete_selected"): NOBODY,
    ("partners.linklimits", "delete_selected"): NOBODY,
    # Support follows messages and the CA hand-off.
    ("notifications.outboxmessage", "retry_failed"): SUPPORT,
    ("notifications.outboxmessage", "delete_selected"): NOBODY,
    ("issuance.issuancerequest", "mark_media_delivered"): SUPPORT,
    ("issuance.issuancerequest", "send_again"): SUPPORT,
    ("issuance.issuancerequest", "delete_selected"): NOBODY,
    # The local CA's Lista Negativa is the management's to keep; entries are taken off, never deleted.
    ("issuance.negativelistentry", "take_off"): MANAGEMENT,
    ("issuance.negativelistentry", "delete_selected"): NOBODY,
    # Agents conduct their videoconferences and keep their days off.
    ("scheduling.booking", "start_appointment"): AGENTS,
    ("scheduling.booking", "close_as_no_show"): AGENTS,
    ("scheduling.booking", "delete_selected"): NOBODY,
    ("scheduling.availabilityexception", "delete_selected"): AGENTS,
    # Token workstations: queueing a job needs tokens.add_tokenjob, which no role has.
    ("tokens.workstation", "list_connected_tokens"): ONLY_SUPERUSER,
    ("tokens.workstation", "delete_selected"): NOBODY,
    ("tokens.tokenjob", "delete_selected"): NOBODY,
    # Configuration rows: the superuser's.
    ("auth.group", "delete_selected"): ONLY_SUPERUSER,
    ("auth.user", "delete_selected"): ONLY_SUPERUSER,
    ("orders.product", "delete_selected"): ONLY_SUPERUSER,
    ("orders.referrallink", "delete_selected"): ONLY_SUPERUSER,
    ("orders.holderbiometrics", "delete_selected"): ONLY_SUPERUSER,
    ("scheduling.agentprofile", "delete_selected"): ONLY_SUPERUSER,
    ("scheduling.availabilityrule", "delete_selected"): ONLY_SUPERUSER,
    ("helpcenter.article", "delete_selected"): ONLY_SUPERUSER,
    # Rows only services write.
    ("audit.auditevent", "delete_selected"): NOBODY,
    ("orders.order", "delete_selected"): NOBODY,
    ("orders.paymentevent", "delete_selected"): NOBODY,
    ("orders.commissionentry", "delete_selected"): NOBODY,
    ("orders.document", "delete_selected"): NOBODY,
    ("scheduling.agendaentry", "delete_selected"): NOBODY,
    ("scheduling.validation", "delete_selected"): NOBODY,
    ("scheduling.verification", "delete_selected"): NOBODY,
    ("scheduling.verificationqueueentry", "delete_selected"): NOBODY,
    ("scheduling.sealeddossier", "delete_selected"): NOBODY,
    ("issuance.certificate", "delete_selected"): NOBODY,
    ("issuance.certificateauthority", "delete_selected"): NOBODY,
    ("issuance.revocationlist", "delete_selected"): NOBODY,
    ("revocation.revocationrequest", "delete_selected"): NOBODY,
    ("revocation.passwordthrottle", "delete_selected"): NOBODY,
    ("renewal.expiryreminder", "delete_selected"): NOBODY,
    ("renewal.onlinerenewal", "delete_selected"): NOBODY,
    ("revocation.reissueconfirmation", "delete_selected"): NOBODY,
    ("privacy.privacyrequest", "delete_selected"): NOBODY,
    # Sign-in locks: support and the management lift them (audited); factors are reset by a superuser (audited).
    ("accounts.loginthrottle", "unlock"): frozenset({SUPPORT_GROUP, MANAGERS_GROUP, SUPERUSER}),
    ("accounts.loginthrottle", "delete_selected"): NOBODY,
    ("accounts.usersession", "delete_selected"): NOBODY,
    ("otp_totp.totpdevice", "revoke"): ONLY_SUPERUSER,
    ("otp_totp.totpdevice", "delete_selected"): NOBODY,
    ("otp_static.staticdevice", "revoke"): ONLY_SUPERUSER,
    ("otp_static.staticdevice", "delete_selected"): NOBODY,
}


def registered_actions() -> list[tuple[str, str]]:
    """Every (model, action) the admin site offers to someone: the site-wide actions and each admin's own."""
    found = set()
    for model, model_admin in admin.site._registry.items():
        names = [name for name, _ in admin.site.actions]
        names += [action if isinstance(action, str) else action.__name__ for action in model_admin.actions or ()]
        found.update((model._meta.label_lower, name) for name in names)
    return sorted(found)


# -- the rows the actions are run on -------------------------------------------------------------------------


class World:
    """Builds the target rows; the costly shared ones (the local CA) only when an action needs them."""

    def __init__(self, request, capture_on_commit, monkeypatch):
        self._request = request
        self._capture = capture_on_commit
        self._monkeypatch = monkeypatch
        self._serial = itertools.count(1)

    def n(self) -> int:
        return next(self._serial)

    @cached_property
    def ca(self):
        return self._request.getfixturevalue("local_ca")

    def agent_for(self, user):
        """The acting agent (or superuser) conducts their own appointments — nobody conducts another's, superusers
        included; anyone else's target belongs to another agent."""
        if user.is_superuser or user.groups.filter(name=AGENTS_GROUP).exists():
            return user
        return make_agent(f"agente-{self.n()}")

    def booking(self, user, *, starts_in: timedelta) -> Booking:
        order = ready_order(status=Order.Status.SCHEDULED)
        starts_at = timezone.now() + starts_in
        return Booking.objects.create(
            order=order,
            agent=self.agent_for(user),
            attendee_cpf=order.person_cpf,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            video_url="https://meet.exemplo.com.br/sala",
            eligibility_basis="primeira emissão",
        )

    def validation(self, user) -> Validation:
        booking = self.booking(user, starts_in=timedelta(days=-1))
        now = timezone.now()
        Booking.objects.filter(pk=booking.pk).update(
            status=Booking.Status.COMPLETED,
            outcome=Booking.Outcome.REJECTED,
            started_at=now - timedelta(minutes=20),
            started_by=booking.agent,
            finished_at=now,
        )
        return Validation.objects.create(
            booking=booking,
            order=booking.order,
            agent=booking.agent,
            recorded_by=booking.agent,
            requires_legal_representative=False,
            eligibility_basis=booking.eligibility_basis,
            outcome=Validation.Outcome.REJECTED,
            reject_reason="connection",
            started_at=now - timedelta(minutes=20),
            finished_at=now,
            duration_seconds=1200,
        )

    def handed_off(self, **order_fields) -> IssuanceRequest:
        """A verified order handed to the local CA (released at once unless the CA is down)."""
        self.ca  # noqa: B018 (made before the hand-off needs it)
        order = ready_order(status=Order.Status.VERIFIED, **order_fields)
        with self._capture(execute=True), transaction.atomic():
            request = issuance_submit(order)
        request.refresh_from_db()
        return request

    def queued_request(self) -> IssuanceRequest:
        def down(*args, **kwargs):
            raise CaUnavailable("POST /requests: no answer within 10s")

        with self._monkeypatch.context() as patch:
            patch.setattr(LocalCa, "submit", down)
            return self.handed_off()

    def certificate(self):
        request = self.handed_off()
        return a1_issue_as_customer(request.order)[1].certificate

    def online_renewal(self) -> OnlineRenewal:
        certificate = self.certificate()
        order = OrderFactory(link=certificate.order.link, renews=certificate, status=Order.Status.VALIDATED)
        return OnlineRenewal.objects.create(
            order=order, signer_certificate=certificate, signed_request="x", signature="x", signer_certificate_pem="x"
        )

    def revocation_request(self) -> RevocationRequest:
        certificate = self.certificate()
        return RevocationRequest.objects.create(
            order=certificate.order,
            certificate=certificate,
            channel=RevocationRequest.Channel.LETTER,
            status=RevocationRequest.Status.AWAITING_LETTER,
            reason="media_lost",
        )

    def reissue_confirmation(self) -> ReissueConfirmation:
        replacement = OrderFactory(status=Order.Status.PAID, price=Decimal("0.00"))
        return ReissueConfirmation.objects.create(request=self.revocation_request(), replacement=replacement)

    def crl(self):
        self.ca  # noqa: B018 (the CA signs the list)
        return crl_publish()

    def partner(self, status: str) -> Partner:
        return PartnerFactory(user=UserFactory(username=f"parceiro{self.n()}@exemplo.com.br"), status=status)

    def commission_entry(self) -> CommissionEntry:
        order = ready_order(status=Order.Status.PAID)
        return CommissionEntry.objects.create(
            partner=order.partner, order=order, kind="accrual", base_amount=order.price, percent=10, amount=15
        )

    def verification(self, user) -> Verification:
        validation = self.validation(user)
        return Verification.objects.create(
            validation=validation,
            order=validation.order,
            agent=validation.agent,
            started_by=validation.agent,
            verifier=make_agent(f"verificador-{self.n()}"),
            outcome="returned",
            reason="Foto do documento ilegível.",
        )

    def sealed_dossier(self, user) -> SealedDossier:
        verification = self.verification(user)
        dossier = SealedDossier(
            order=verification.order,
            verification=verification,
            size=3,
            sha256="0" * 64,
            manifest_sha256="1" * 64,
            files=1,
        )
        dossier.file.save("dossie.zip", ContentFile(b"zip"), save=False)
        dossier.save()
        return dossier

    def token_job(self) -> TokenJob:
        return TokenJob.objects.create(workstation=self.workstation(), operation="list_tokens")

    def workstation(self) -> Workstation:
        return Workstation.objects.create(
            name=f"Balcão {self.n()}", agent_url="http://127.0.0.1:47115", secret_sealed=sealing.seal(b"s" * 32)
        )


Builder = Callable[[World, object], object]


def _refund(status: str) -> Refund:
    """A refund of a paid sandbox charge, in `status`, asked for by someone other than the acting user."""
    order = ready_order(status=Order.Status.PAID)
    payment = Payment.objects.create(
        order=order,
        method="pix",
        gateway="sandbox",
        charge_id=f"sbx_alvo{order.pk}",
        amount=order.price,
        status=Payment.Status.PAID,
        paid_at=timezone.now(),
        paid_amount=order.price,
    )
    return Refund.objects.create(
        payment=payment,
        amount=order.price,
        reason="Teste",
        kind=Refund.Kind.SUPPORT,
        status=status,
        payee_pix_key="maria@exemplo.com.br" if status == Refund.Status.TRANSFER else "",
    )


# The row each action is tried on, by (model, action), else by model. Each role gets a fresh one.
TARGETS: dict[tuple[str, str] | str, Builder] = {
    ("orders.payment", "sandbox_confirm"): lambda w, u: payment_start(
        order=ready_order(status=Order.Status.AWAITING_PAYMENT), method="boleto", actor=SYSTEM
    ),
    ("orders.payment", "sandbox_fail"): lambda w, u: payment_start(
        order=ready_order(status=Order.Status.AWAITING_PAYMENT), method="boleto", actor=SYSTEM
    ),
    ("orders.refund", "approve"): lambda w, u: _refund(Refund.Status.AWAITING_APPROVAL),
    ("orders.refund", "retry_now"): lambda w, u: _refund(Refund.Status.GIVEN_UP),
    ("orders.refund", "transfer_done"): lambda w, u: _refund(Refund.Status.TRANSFER),
    "orders.refund": lambda w, u: _refund(Refund.Status.DONE),
    ("orders.partner", "approve"): lambda w, u: w.partner(Partner.Status.PENDING),
    ("orders.partner", "suspend"): lambda w, u: w.partner(Partner.Status.APPROVED),
    ("orders.partner", "reject"): lambda w, u: w.partner(Partner.Status.PENDING),
    ("orders.partner", "leave_second_factor_to_partner"): lambda w, u: PartnerFactory(
        user=UserFactory(username=f"parceiro{w.n()}@exemplo.com.br"), second_factor_required=True
    ),
    ("issuance.issuancerequest", "mark_media_delivered"): lambda w, u: w.handed_off(product=A3TokenProductFactory()),
    ("issuance.issuancerequest", "send_again"): lambda w, u: w.queued_request(),
    ("scheduling.booking", "start_appointment"): lambda w, u: w.booking(u, starts_in=timedelta(minutes=5)),
    ("scheduling.booking", "close_as_no_show"): lambda w, u: w.booking(u, starts_in=timedelta(minutes=-30)),
    "auth.group": lambda w, u: Group.objects.create(name=f"grupo-{w.n()}"),
    "auth.user": lambda w, u: UserFactory(username=f"alvo{w.n()}@exemplo.com.br"),
    "audit.auditevent": lambda w, u: audit_record(action="teste.alvo", obj=ready_order()),
    "notifications.outboxmessage": lambda w, u: OutboxMessage.objects.create(
        key=f"teste:{w.n()}",
        kind="order_created",
        recipient="cliente@exemplo.com.br",
        subject="Pedido recebido",
        body_text="Olá",
        status=OutboxMessage.Status.FAILED,
        attempts=6,
        last_error="SMTPServerDisconnected()",
    ),
    "orders.product": lambda w, u: ProductFactory(code=f"produto-{w.n()}"),
    "orders.referrallink": lambda w, u: LinkFactory(partner=w.partner(Partner.Status.APPROVED)),
    "orders.order": lambda w, u: ready_order(),
    "orders.holderbiometrics": lambda w, u: HolderBiometrics.objects.create(
        cpf=valid_cpf(90_000 + w.n()), source="cnh"
    ),
    "orders.payment": lambda w, u: payment_start(
        order=ready_order(status=Order.Status.AWAITING_PAYMENT), method="pix", actor=SYSTEM
    ),
    "orders.paymentevent": lambda w, u: PaymentEvent.objects.create(
        gateway="sandbox", event_id=f"evt_{w.n()}", status="paid", body="{}", outcome="unknown_charge"
    ),
    "orders.commissionentry": lambda w, u: w.commission_entry(),
    "orders.document": lambda w, u: Document.objects.create(
        order=ready_order(),
        kind="identity",
        identity_type="rg",
        file="documentos/rg.png",
        original_name="rg.png",
        content_type="image/png",
        size=10,
        sha256="0" * 64,
    ),
    "orders.partner": lambda w, u: w.partner(Partner.Status.PENDING),
    "partners.apitoken": lambda w, u: api_token_create(
        partner=w.partner(Partner.Status.APPROVED), name="Sistema do escritório", actor=SYSTEM
    )[0],
    "partners.commissionpayout": lambda w, u: CommissionPayout.objects.create(
        partner=w.partner(Partner.Status.APPROVED), month=date(2026, 10, 1), amount=Decimal("10.00")
    ),
    "partners.linklimits": lambda w, u: LinkLimits.current(),
    "scheduling.agentprofile": lambda w, u: AgentProfile.objects.create(user=make_agent(f"agente-{w.n()}")),
    "scheduling.availabilityrule": lambda w, u: AvailabilityRule.objects.create(
        agent=make_agent(f"agente-{w.n()}", weekdays=()), weekday=5, start=time(9), end=time(12)
    ),
    "scheduling.availabilityexception": lambda w, u: AvailabilityException.objects.create(
        agent=w.agent_for(u), date=timezone.localdate() + timedelta(days=7 + w.n()), kind="off"
    ),
    "scheduling.booking": lambda w, u: w.booking(u, starts_in=timedelta(days=1)),
    "scheduling.agendaentry": lambda w, u: w.booking(u, starts_in=timedelta(hours=1)),
    "scheduling.validation": lambda w, u: w.validation(u),
    "scheduling.verificationqueueentry": lambda w, u: w.validation(u),
    "scheduling.verification": lambda w, u: w.verification(u),
    "issuance.issuancerequest": lambda w, u: w.handed_off(),
    "issuance.certificate": lambda w, u: w.certificate(),
    "issuance.certificateauthority": lambda w, u: w.ca.root,
    "issuance.revocationlist": lambda w, u: w.crl(),
    "issuance.negativelistentry": lambda w, u: negative_list_add(
        document=valid_cpf(95_000 + w.n()), reason="Fraude confirmada", actor=SYSTEM
    ),
    "scheduling.sealeddossier": lambda w, u: w.sealed_dossier(u),
    "revocation.revocationrequest": lambda w, u: w.revocation_request(),
    "revocation.reissueconfirmation": lambda w, u: w.reissue_confirmation(),
    "privacy.privacyrequest": lambda w, u: PrivacyRequest.objects.create(
        order=ready_order(), kind=PrivacyRequest.Kind.EXPORT
    ),
    "renewal.expiryreminder": lambda w, u: ExpiryReminder.objects.create(certificate=w.certificate(), days_before=30),
    "renewal.onlinerenewal": lambda w, u: w.online_renewal(),
    "revocation.passwordthrottle": lambda w, u: PasswordThrottle.objects.create(scope="ip", key=f"10.0.0.{w.n()}"),
    "accounts.loginthrottle": lambda w, u: LoginThrottle.objects.create(
        scope="ip",
        key=f"10.0.0.{w.n()}",
        label="10.0.0.x",
        failures=0,
        locked_until=timezone.now() + timedelta(hours=1),
    ),
    "accounts.usersession": lambda w, u: UserSession.objects.create(session_key=f"chave{w.n()}", user=u),
    "otp_totp.totpdevice": lambda w, u: TOTPDevice.objects.create(
        user=UserFactory(username=f"dono{w.n()}", is_staff=True), name="app", confirmed=True
    ),
    "otp_static.staticdevice": lambda w, u: StaticDevice.objects.create(
        user=UserFactory(username=f"dono{w.n()}", is_staff=True), name="codigos", confirmed=True
    ),
    "tokens.workstation": lambda w, u: w.workstation(),
    "tokens.tokenjob": lambda w, u: w.token_job(),
    "helpcenter.article": lambda w, u: Article.objects.create(
        slug=f"artigo-{w.n()}", title="Como comprar", summary="Resumo.", body="Texto.", category="compra"
    ),
}


def _reread(row):
    return type(row)._base_manager.filter(pk=row.pk).first()


def _factor_removed(device) -> bool:
    return AuditEvent.objects.filter(action="auth.factor_removed", object_id=str(device.user_id)).exists()


# What an intended role's POST achieves, read back from the database.
SUCCEEDED: dict[tuple[str, str], Callable[[object], bool]] = {
    ("orders.payment", "sandbox_confirm"): lambda p: (
        Order.objects.get(pk=p.order_id).status == Order.Status.PAID
        and PaymentEvent.objects.filter(payment=p, outcome="applied").exists()
    ),
    ("orders.payment", "sandbox_fail"): lambda p: _reread(p).status == Payment.Status.FAILED,
    ("orders.refund", "approve"): lambda r: _reread(r).status == Refund.Status.PENDING,
    ("orders.refund", "retry_now"): lambda r: _reread(r).status == Refund.Status.FAILED,
    ("orders.refund", "transfer_done"): lambda r: (
        _reread(r).status == Refund.Status.DONE and Payment.objects.get(pk=r.payment_id).status == "refunded"
    ),
    ("orders.partner", "approve"): lambda p: _reread(p).status == Partner.Status.APPROVED,
    ("orders.partner", "suspend"): lambda p: _reread(p).status == Partner.Status.SUSPENDED,
    ("orders.partner", "reject"): lambda p: _reread(p).status == Partner.Status.REJECTED,
    ("orders.partner", "require_second_factor"): lambda p: (
        _reread(p).second_factor_required
        and AuditEvent.objects.filter(action="partner.second_factor_required", object_id=str(p.pk)).exists()
    ),
    ("orders.partner", "leave_second_factor_to_partner"): lambda p: not _reread(p).second_factor_required,
    ("partners.apitoken", "revoke"): lambda t: _reread(t).revoked_at is not None,
    ("notifications.outboxmessage", "retry_failed"): lambda m: (
        _reread(m).status == OutboxMessage.Status.PENDING
        and _reread(m).attempts == 0
        and AuditEvent.objects.filter(action="outbox.retried", object_id=str(m.pk)).exists()
    ),
    ("issuance.issuancerequest", "mark_media_delivered"): lambda r: _reread(r).media_delivered_at is not None,
    ("issuance.issuancerequest", "send_again"): lambda r: _reread(r).status == IssuanceRequest.Status.RELEASED,
    ("scheduling.booking", "start_appointment"): lambda b: _reread(b).status == Booking.Status.IN_PROGRESS,
    ("scheduling.booking", "close_as_no_show"): lambda b: _reread(b).status == Booking.Status.NO_SHOW,
    ("issuance.negativelistentry", "take_off"): lambda e: _reread(e).removed_at is not None,
    ("tokens.workstation", "list_connected_tokens"): lambda w: TokenJob.objects.filter(workstation=w).exists(),
    ("accounts.loginthrottle", "unlock"): lambda t: (
        _reread(t).locked_until is None
        and AuditEvent.objects.filter(action="auth.unlocked", object_id=str(t.pk)).exists()
    ),
    ("otp_totp.totpdevice", "revoke"): lambda d: (
        _reread(d) is None
        and AuditEvent.objects.filter(action="auth.factor_removed", object_id=str(d.user_id)).exists()
    ),
    ("otp_static.staticdevice", "revoke"): lambda d: (
        _reread(d) is None
        and AuditEvent.objects.filter(action="auth.factor_removed", object_id=str(d.user_id)).exists()
    ),
}

# The answer an action's confirmation page posts back (the action runs on this second POST).
CONFIRMATION = {
    "delete_selected": {"post": "yes"},
    "suspend": {"apply": "1", "reason": "Documentação vencida."},
    "reject": {"apply": "1", "reason": "CNPJ inativo na Receita."},
}
# Actions whose effect happens after commit (the sandbox webhook, the CA hand-off): run what they queued.
EFFECT_AFTER_COMMIT = {"sandbox_confirm", "sandbox_fail", "send_again"}


def _succeeded(model_label: str, action: str, row) -> bool:
    if action == "delete_selected":
        return _reread(row) is None
    return SUCCEEDED[(model_label, action)](row)


def _database(row) -> tuple:
    """The target row as stored, and how many rows every admin-visible table (and the admin's log) holds."""
    counts = {
        model._meta.label_lower: model._base_manager.count() for model in admin.site._registry if not model._meta.proxy
    }
    stored = type(row)._base_manager.filter(pk=row.pk).values().first()
    return stored, counts, LogEntry.objects.count()


# -- fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture
def role_users():
    """One staff user per role (as after `migrate`), a staff user in no group and a superuser."""
    ensure_roles()
    users = {}
    for group in (VERIFIERS_GROUP, SUPPORT_GROUP, MANAGERS_GROUP):
        users[group] = UserFactory(username=f"papel-{group}", is_staff=True)
        users[group].groups.add(Group.objects.get(name=group))
    users[AGENTS_GROUP] = make_agent("papel-agents")
    users[NO_GROUP] = UserFactory(username="equipe-sem-grupo", is_staff=True)
    users[SUPERUSER] = UserFactory(username="superusuario", is_staff=True, is_superuser=True)
    return users


@pytest.fixture
def world(request, django_capture_on_commit_callbacks, monkeypatch):
    return World(request, django_capture_on_commit_callbacks, monkeypatch)


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


# -- tests -----------------------------------------------------------------------------------------------------


def test_every_action_has_an_intended_roles_entry():
    enumerated = set(registered_actions())

    assert enumerated - set(INTENDED) == set(), "a new admin action: say in INTENDED which roles may run it"
    assert set(INTENDED) - enumerated == set(), "INTENDED names an action the admin no longer has"
    runnable = {key for key, roles in INTENDED.items() if roles and key[1] != "delete_selected"}
    assert runnable == set(SUCCEEDED), "every action someone may run needs its effect in SUCCEEDED"


def test_the_roles_exist_after_migrate_with_permissions_of_apps_installed_after_scheduling():
    # Given only `migrate` ran (no call to ensure_roles): the groups took permissions of later apps too
    managers = Group.objects.get(name=MANAGERS_GROUP).permissions.values_list("content_type__app_label", "codename")
    support = Group.objects.get(name=SUPPORT_GROUP).permissions.values_list("content_type__app_label", "codename")

    assert {("orders", "review_partner"), ("partners", "change_apitoken"), ("partners", "add_commissionpayout")} <= set(
        managers
    )
    assert ("issuance", "mark_media_delivered") in set(support)
    assert ("revocation", "review_letter") in set(support)


@pytest.mark.parametrize(("model_label", "action"), registered_actions())
def test_only_the_intended_roles_run_the_action(
    model_label, action, role_users, world, django_capture_on_commit_callbacks
):
    assert (model_label, action) in INTENDED, f"{model_label}: {action} has no entry in INTENDED"
    intended = INTENDED[(model_label, action)]
    model = apps.get_model(model_label)
    model_admin = admin.site._registry[model]
    url = _changelist(model)
    build = TARGETS.get((model_label, action)) or TARGETS[model_label]

    for role in ROLES:
        user = role_users[role]
        # Given a fresh target row and the role's view of the changelist's action menu
        request = RequestFactory().get(url)
        request.user = user
        offered = action in model_admin.get_actions(request)
        row = build(world, user)
        client = Client()
        staff_login(client, user)  # signing in is audited: counted before the snapshot, not as the action's effect
        before = _database(row)

        # When the role POSTs the action on that row, as the changelist's form (or its confirmation page) does
        data = {"action": action, admin.helpers.ACTION_CHECKBOX_NAME: [row.pk]}
        data |= CONFIRMATION.get(action, {"index": "0"})
        run_effects = role in intended and action in EFFECT_AFTER_COMMIT
        with django_capture_on_commit_callbacks(execute=run_effects) as queued:
            response = client.post(url, data)

        # Then only an intended role is offered it and gets its effect; anyone else changed nothing at all
        assert offered == (role in intended), f"{model_label}: {action} offered to {role}: {offered}"
        if role in intended:
            assert response.status_code == 302, f"{role}: {response.status_code}"
            assert _succeeded(model_label, action, row), f"{model_label}: {action} by {role} had no effect"
        else:
            assert response.status_code in (200, 302, 403), f"{role}: {response.status_code}"
            assert _database(row) == before, f"{model_label}: {action} by {role} changed the database"
            assert queued == [], f"{model_label}: {action} by {role} queued work"


# -- the probe's two attacks, literally ------------------------------------------------------------------------


def test_support_cannot_confirm_a_pending_sandbox_payment(role_users, client, on_commit):
    # Given an order awaiting payment with a pending sandbox boleto, and a support agent in the admin
    order = ready_order(status=Order.Status.AWAITING_PAYMENT)
    payment = payment_start(order=order, method="boleto", actor=SYSTEM)
    staff_login(client, role_users[SUPPORT_GROUP])

    # When they POST the sandbox confirmation, as the probe did
    with on_commit():
        response = client.post(
            "/admin/orders/payment/",
            {"action": "sandbox_confirm", "_selected_action": [payment.pk], "index": "0"},
            follow=True,
        )

    # Then it is refused (the list offers support no action to run), the order still awaits payment and no
    # webhook was ever received
    assert response.status_code == 200 and "webhook(s) do sandbox enviado(s)" not in response.text
    assert 'name="action"' not in response.text
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and payment.status == Payment.Status.PENDING
    assert not PaymentEvent.objects.exists()


def test_support_cannot_approve_a_pending_partner(role_users, client, on_commit):
    # Given a partner awaiting approval and a support agent in the admin
    partner = PartnerFactory(status=Partner.Status.PENDING)
    staff_login(client, role_users[SUPPORT_GROUP])

    # When they POST the approval, as the probe did
    with on_commit():
        response = client.post(
            "/admin/orders/partner/", {"action": "approve", "_selected_action": [partner.pk], "index": "0"}, follow=True
        )

    # Then it is refused: the partner is still pending, nothing audited, nobody told
    assert response.status_code == 200 and "parceiro(s) atualizado(s)" not in response.text
    assert 'name="action"' not in response.text
    partner.refresh_from_db()
    assert partner.status == Partner.Status.PENDING and partner.approved_at is None
    assert not AuditEvent.objects.filter(action="partner.status").exists()
    assert not OutboxMessage.objects.filter(key__startswith=f"partner:{partner.pk}:").exists()


def test_a_manager_approves_a_partner_and_the_decision_is_audited(role_users, client, on_commit):
    partner = PartnerFactory(status=Partner.Status.PENDING)
    staff_login(client, role_users[MANAGERS_GROUP])

    with on_commit():
        client.post("/admin/orders/partner/", {"action": "approve", "_selected_action": [partner.pk], "index": "0"})

    partner.refresh_from_db()
    assert partner.status == Partner.Status.APPROVED
    event = AuditEvent.objects.get(action="partner.status", object_id=str(partner.pk))
    assert event.actor == role_users[MANAGERS_GROUP] and event.after == {"status": "approved"}

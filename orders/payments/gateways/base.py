"""What the portal needs from a payment gateway. A real provider's adapter implements the same methods."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from tecnosign.errors import DomainError


class WebhookRejected(DomainError):
    """The webhook is not authentic, too old or unreadable: answer 400 and change nothing."""

    code = "webhook_rejected"


class ChargeNotFound(LookupError):
    """The provider does not know the charge (or refund) asked about: a callback naming it is not confirmed."""


class GatewayUnavailable(Exception):
    """The provider could not be reached or answered an error: retried later (a webhook answers 503, so the
    provider calls again; a task retries)."""


@dataclass(frozen=True)
class CardData:
    number: str
    holder_name: str
    expiry_month: int
    expiry_year: int
    cvv: str


@dataclass(frozen=True)
class ChargeResult:
    """What the gateway answered when the charge was created.

    `details` carries what the customer is shown: "payload" (Pix copia-e-cola), "barcode" and "line" (boleto),
    "brand" and "last4" (card). `redirect_url` is the provider's hosted page the customer is sent to (a card typed
    there never touches the portal).
    """

    charge_id: str
    status: str = "pending"  # "pending", or "paid" / "failed" for synchronous methods (card)
    failure_reason: str = ""
    details: dict = field(default_factory=dict)
    redirect_url: str = ""


@dataclass(frozen=True)
class ChargeState:
    """The charge as the provider has it now, read from its API: what the portal acts on, never a callback's word.

    `amount` is what was paid for a paid or refunded charge (the charged amount otherwise), in reais with centavos;
    `currency` as the provider states it (ISO 4217).
    """

    charge_id: str
    status: str  # pending, paid, failed, expired, refunded
    amount: Decimal | None
    currency: str = "BRL"
    paid_at: datetime | None = None
    refunded_amount: Decimal = Decimal("0.00")
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    """A refund as the provider has it. `refund_id` is the portal's own id for it (the idempotency key: asking
    again with the same id never refunds twice)."""

    refund_id: str
    status: str  # "pending" (asked, not settled yet), "done", "failed"
    provider_refund_id: str = ""
    failure_reason: str = ""


@dataclass(frozen=True)
class SettlementLine:
    """One movement in the provider's own statement, for reconciliation: a payment received or a refund sent."""

    charge_id: str
    kind: str  # "payment" or "refund"
    amount: Decimal
    occurred_at: datetime
    provider_id: str = ""  # the provider's id of the movement (Pix endToEndId, payment id, refund id)


@dataclass(frozen=True)
class GatewayEvent:
    """A verified webhook, in the portal's words.

    `occurred_at` is when the event happened at the provider (aware), which orders events that arrive out of order;
    an adapter refuses a webhook that does not say.
    """

    event_id: str
    charge_id: str
    status: str  # pending, paid, failed, expired, refunded
    amount: Decimal | None
    occurred_at: datetime


class PaymentGateway(ABC):
    name: str
    # The payment methods (orders.Payment.Method values) it can charge; settings.PAYMENT_GATEWAY_<METHOD> picks one
    # gateway per method (orders.payments.gateways.gateway_for).
    methods: frozenset[str] = frozenset({"pix", "boleto", "card"})
    # Cards are typed on the provider's hosted checkout (`ChargeResult.redirect_url`), never on the portal: the order
    # page sends the customer there instead of showing a card form.
    hosted_card_checkout: bool = False
    # The origins the hosted checkout lives on: the order page's Content-Security-Policy lets its card form be sent
    # there (`form-action` also covers the redirect that follows the form's submission).
    checkout_origins: tuple[str, ...] = ()
    # The methods whose payments it can give back through `refund` (Pix devolução, card refund, a PSP's boleto
    # refund). A payment by another method is paid back by a bank transfer staff make (orders.services.refunds).
    refund_methods: frozenset[str] = frozenset({"pix", "boleto", "card"})

    @classmethod
    def configuration_problems(cls) -> list[str]:
        """What is missing or wrong in this gateway's settings (credentials, certificates, URLs), in English for the
        operator: the start-up check (orders.checks) refuses to start on any."""
        return []

    @abstractmethod
    def create_charge(self, *, payment, card: CardData | None = None) -> ChargeResult:
        """Create the charge for `payment` (a Payment with method and amount). Must not raise for a decline."""

    @abstractmethod
    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        """Authenticate and parse a webhook; raise WebhookRejected when it cannot be trusted."""

    def webhook_events(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayEvent]:
        """Every event one webhook carries (a Pix callback may carry several); raise WebhookRejected when the
        webhook cannot be trusted. Whatever it says, `fetch_charge` is asked before money moves."""
        return [self.verify_webhook(body=body, headers=headers)]

    @abstractmethod
    def fetch_charge(self, *, charge_id: str) -> ChargeState:
        """The charge as the provider has it now (its API, read back). Raises on a provider that cannot answer."""

    def query_charge(self, *, charge_id: str) -> str:
        """The charge's current status at the gateway (pending, paid, failed, expired, refunded)."""
        return self.fetch_charge(charge_id=charge_id).status

    @abstractmethod
    def refund(self, *, payment, amount: Decimal, refund_id: str) -> RefundResult:
        """Give `amount` of a paid `payment` back to the payer. Idempotent on `refund_id`; a refusal by the provider
        is a `failed` result, never an exception (a provider that cannot be reached raises, and is retried)."""

    @abstractmethod
    def fetch_refund(self, *, payment, refund_id: str) -> RefundResult:
        """The refund `refund_id` of `payment` as the provider has it now."""

    @abstractmethod
    def settlements(self, *, start: datetime, end: datetime) -> list[SettlementLine]:
        """The provider's statement between `start` and `end` (aware datetimes): payments received, refunds sent."""

    @abstractmethod
    def cancel_charge(self, *, charge_id: str) -> None:
        """Stop a pending charge from being paid (it is being replaced by another)."""

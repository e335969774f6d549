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


@dataclass(frozen=True)
class CardData:
    number: str
    holder_name: str
    expiry_month: int
    expiry_year: int
    cvv: str


@dataclass(frozen=True)
class ChargeResult:
    """What the gateway answered when the charge was created."""

    charge_id: str
    status: str = "pending"  # "pending", or "paid" / "failed" for synchronous methods (card)
    failure_reason: str = ""
    details: dict = field(default_factory=dict)


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

    @abstractmethod
    def create_charge(self, *, payment, card: CardData | None = None) -> ChargeResult:
        """Create the charge for `payment` (a Payment with method and amount). Must not raise for a decline."""

    @abstractmethod
    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        """Authenticate and parse a webhook; raise WebhookRejected when it cannot be trusted."""

    @abstractmethod
    def query_charge(self, *, charge_id: str) -> str:
        """The charge's current status at the gateway (pending, paid, failed, expired, refunded)."""

    @abstractmethod
    def cancel_charge(self, *, charge_id: str) -> None:
        """Stop a pending charge from being paid (it is being replaced by another)."""

from .catalog import Product
from .commissions import CommissionEntry
from .documents import Document
from .holder_links import HolderLink
from .holders import HolderBiometrics
from .order import Order
from .partners import LinkVisitDay, Partner, ReferralLink
from .payments import Payment, PaymentEvent, Refund, SandboxCharge, SandboxRefund
from .terms import HolderTerm

__all__ = [
    "CommissionEntry",
    "Document",
    "HolderBiometrics",
    "HolderLink",
    "HolderTerm",
    "LinkVisitDay",
    "Order",
    "Partner",
    "Payment",
    "PaymentEvent",
    "Product",
    "ReferralLink",
    "Refund",
    "SandboxCharge",
    "SandboxRefund",
]

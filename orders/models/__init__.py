from .catalog import Product
from .commissions import CommissionEntry
from .documents import Document
from .holders import HolderBiometrics
from .order import Order
from .partners import Partner, ReferralLink
from .payments import Payment, PaymentEvent

__all__ = [
    "CommissionEntry",
    "Document",
    "HolderBiometrics",
    "Order",
    "Partner",
    "Payment",
    "PaymentEvent",
    "Product",
    "ReferralLink",
]

from .catalog import Product
from .holders import HolderBiometrics
from .order import Order
from .partners import Partner, ReferralLink

__all__ = ["HolderBiometrics", "Order", "Partner", "Product", "ReferralLink"]

from django import template
from django.utils import timezone

from ..selectors import can_change, latest_booking

register = template.Library()


@register.inclusion_tag("scheduling/_order_panel.html")
def booking_panel(order):
    """The videoconference box on the customer's order page: book, the booked time, or book again."""
    booking = latest_booking(order)
    active = booking if booking is not None and booking.is_active else None
    return {"order": order, "booking": active, "previous": booking, "can_change": can_change(active, timezone.now())}

from datetime import timedelta

from django import template
from django.conf import settings
from django.utils import timezone

from ..models import Booking
from ..selectors import latest_booking

register = template.Library()


@register.inclusion_tag("scheduling/_order_panel.html")
def booking_panel(order):
    """The videoconference box on the customer's order page: book, the booked time, or book again."""
    booking = latest_booking(order)
    active = booking if booking is not None and booking.is_active else None
    can_change = (
        active is not None
        and active.status == Booking.Status.SCHEDULED
        and (
            active.agent_late_at is not None
            or timezone.now() <= active.starts_at - timedelta(minutes=settings.BOOKING_CHANGE_CUTOFF_MINUTES)
        )
    )
    return {"order": order, "booking": active, "previous": booking, "can_change": can_change}

"""The product's gauges, read from the database (and the broker) at each scrape: nothing is kept between scrapes,
so every process answers the same and a restart loses nothing."""

from datetime import datetime, time, timedelta

import redis
from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from issuance.models import IssuanceRequest
from orders.models import Order, Payment, PaymentEvent
from scheduling.models import Booking
from scheduling.selectors import availability
from tecnosign.notifications.models import OutboxMessage

FREE_SLOT_DAYS = 3
WEBHOOK_WINDOW = timedelta(hours=24)


def celery_queue_names() -> list[str]:
    """The default queue and any queue a route names (Celery's Redis transport keeps each as a list of that name)."""
    names = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery") or "celery"}
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    return sorted(names)


def celery_queue_depths() -> dict[str, int] | None:
    """Messages waiting in each queue; None when there is no broker to ask (tasks run in-process) or it is down."""
    if not settings.REDIS_URL:
        return None
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        return {name: client.llen(name) for name in celery_queue_names()}
    except redis.RedisError:
        return None
    finally:
        client.close()


class ProductCollector:
    """A prometheus-client collector: each `collect()` runs a few aggregate queries (constant in the data's size)."""

    def collect(self):
        now = timezone.now()
        yield from self._orders()
        yield from self._outbox(now)
        yield from self._queues()
        yield from self._issuance(now)
        yield from self._scheduling(now)
        yield from self._payments(now)

    @staticmethod
    def _orders():
        counts = dict(Order.objects.order_by().values_list("status").annotate(n=Count("pk")))
        gauge = GaugeMetricFamily("tecnosign_orders", "Orders by state.", labels=["state"])
        for state in Order.Status.values:
            gauge.add_metric([state], counts.get(state, 0))
        yield gauge

    @staticmethod
    def _outbox(now):
        by_status = dict(OutboxMessage.objects.order_by().values_list("status").annotate(n=Count("pk")))
        oldest = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).aggregate(at=Min("created_at"))["at"]
        gauge = GaugeMetricFamily("tecnosign_outbox_messages", "Outbox messages by status.", labels=["status"])
        for status in OutboxMessage.Status.values:
            gauge.add_metric([status], by_status.get(status, 0))
        yield gauge
        yield GaugeMetricFamily(
            "tecnosign_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox message still pending (0 when none is).",
            value=(now - oldest).total_seconds() if oldest else 0,
        )

    @staticmethod
    def _queues():
        depths = celery_queue_depths()
        if depths is None:
            return
        gauge = GaugeMetricFamily("tecnosign_celery_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"])
        for name, depth in depths.items():
            gauge.add_metric([name], depth)
        yield gauge

    @staticmethod
    def _issuance(now):
        pending = IssuanceRequest.objects.filter(status__in=IssuanceRequest.PENDING)
        gauge = GaugeMetricFamily(
            "tecnosign_issuance_pending_older_than",
            "Requests at the CA not released yet, handed over more than `hours` ago (warning and SLA breach).",
            labels=["hours"],
        )
        for hours in sorted({settings.ISSUANCE_SLA_WARN_HOURS, settings.ISSUANCE_SLA_HOURS}):
            gauge.add_metric([str(hours)], pending.filter(submitted_at__lte=now - timedelta(hours=hours)).count())
        yield gauge
        yield GaugeMetricFamily(
            "tecnosign_issuance_pending", "Requests at the CA not released yet.", value=pending.count()
        )

    @staticmethod
    def _scheduling(now):
        today = timezone.localdate(now)
        start = timezone.make_aware(datetime.combine(today, time.min))
        bookings = Booking.objects.filter(
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=1),
            status__in=[*Booking.ACTIVE, Booking.Status.COMPLETED, Booking.Status.NO_SHOW],
        ).count()
        yield GaugeMetricFamily("tecnosign_bookings_today", "Videoconferences booked for today.", value=bookings)
        days = [today + timedelta(days=offset) for offset in range(FREE_SLOT_DAYS)]
        free = sum(1 for agents in availability(now=now, days=days).values() if agents)
        yield GaugeMetricFamily(
            "tecnosign_free_slots_next_3_days",
            "Bookable slots (at least one agent free) from now to the end of the third day.",
            value=free,
        )

    @staticmethod
    def _payments(now):
        pending = dict(
            Payment.objects.filter(status=Payment.Status.PENDING)
            .order_by()
            .values_list("method")
            .annotate(n=Count("pk"))
        )
        gauge = GaugeMetricFamily(
            "tecnosign_payments_awaiting_confirmation", "Charges still awaiting payment, by method.", labels=["method"]
        )
        for method in Payment.Method.values:
            gauge.add_metric([method], pending.get(method, 0))
        yield gauge
        outcomes = dict(
            PaymentEvent.objects.filter(received_at__gte=now - WEBHOOK_WINDOW)
            .order_by()
            .values_list("outcome")
            .annotate(n=Count("pk"))
        )
        webhooks = GaugeMetricFamily(
            "tecnosign_payment_webhooks_last_24h",
            "Payment webhooks received in the last 24 h, by outcome (not_confirmed: the gateway did not agree).",
            labels=["outcome"],
        )
        for outcome in PaymentEvent.Outcome.values:
            webhooks.add_metric([outcome], outcomes.get(outcome, 0))
        yield webhooks
        yield GaugeMetricFamily(
            "tecnosign_payments_flagged",
            "Payments flagged for staff attention (amount mismatch, paid after replacement…).",
            value=Payment.objects.filter(flagged=True).count(),
        )

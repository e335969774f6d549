"""Register the portal's callback URL at the PSP's API Pix (`PUT /webhook/{chave}`)."""

from django.core.management.base import BaseCommand, CommandError

from orders.payments.gateways import GatewayUnavailable
from orders.payments.gateways.api_pix import ApiPixError
from orders.services.payments import PaymentNotAllowed, pix_webhook_register


class Command(BaseCommand):
    help = "Register PIX_WEBHOOK_URL (or --url) as the API Pix webhook of PIX_KEY at the PSP."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="the callback URL (default: PIX_WEBHOOK_URL); the PSP posts to it + /pix")

    def handle(self, *args, **options):
        try:
            url = pix_webhook_register(url=options["url"])
        except (PaymentNotAllowed, GatewayUnavailable, ApiPixError) as error:
            raise CommandError(str(getattr(error, "message", error))) from None
        self.stdout.write(f"Webhook registered: {url} (the PSP posts to {url.rstrip('/')}/pix)")

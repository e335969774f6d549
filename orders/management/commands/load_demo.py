"""Demo data for `make run`: the catalog, a partner with two links, and the back-office users.

Idempotent: running it again updates the same rows. Passwords are drawn anew on each run and printed,
so nothing secret is kept in the repository. It makes a superuser with a printed password and pays orders through
the sandbox, so it runs only where the sandbox is allowed: development, or staging with SANDBOX_ALLOWED=1.
"""

import secrets
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from orders.catalog import catalog_load
from orders.demo import DEMO_PASSWORDS, demo_lines, demo_orders
from orders.models import Partner, ReferralLink
from orders.payments.gateways.sandbox import sandbox_allowed

DEMO_PARTNER_CNPJ = "11222333000181"
COMMISSION_CODE = "democomissao"
DISCOUNT_CODE = "demodesconto"


def _password() -> str:
    return "ts-" + secrets.token_urlsafe(9)


class Command(BaseCommand):
    help = "Load the demo catalog, partner, links and back-office users (idempotent)."

    def handle(self, *args, **options):
        if not sandbox_allowed():
            raise CommandError(
                "load_demo creates an administrator with a printed password and sandbox payments: refused with "
                "DEBUG off. Set SANDBOX_ALLOWED=1 only on a staging deployment."
            )
        with transaction.atomic():
            self._load()

    def _load(self) -> None:
        products = catalog_load()
        users = {
            "admin": self._user("admin", "Administrador", superuser=True),
            "agente": self._user("agente", "Ana Agente", group="agents"),
            "verificador": self._user("verificador", "Vitor Verificador", group="verifiers"),
            "parceiro@exemplo.com.br": self._user("parceiro@exemplo.com.br", "Paula Parceira"),
        }
        partner, _ = Partner.objects.update_or_create(
            document=DEMO_PARTNER_CNPJ,
            defaults=dict(
                user=get_user_model().objects.get(username="parceiro@exemplo.com.br"),
                name="Contabilidade Exemplo Ltda",
                contact_name="Paula Parceira",
                email="parceiro@exemplo.com.br",
                phone="+5511987654321",
                pix_key="parceiro@exemplo.com.br",
                status=Partner.Status.APPROVED,
                terms_accepted_at=timezone.now(),
                approved_at=timezone.now(),
            ),
        )
        commission_link, _ = ReferralLink.objects.update_or_create(
            code=COMMISSION_CODE,
            defaults=dict(
                partner=partner,
                name="Clientes do escritório (comissão 10%)",
                benefit=ReferralLink.Benefit.COMMISSION,
                commission_percent=Decimal("10.00"),
                active=True,
            ),
        )
        ReferralLink.objects.update_or_create(
            code=DISCOUNT_CODE,
            defaults=dict(
                partner=partner,
                name="Preço especial (15% de desconto)",
                benefit=ReferralLink.Benefit.DISCOUNT,
                discount_percent=Decimal("15.00"),
                active=True,
            ),
        )

        demo_orders(commission_link)
        # Other apps add their demo rows through a `load_demo()` hook, so orders imports none of them.
        extra = [
            line for config in apps.get_app_configs() if hasattr(config, "load_demo") for line in config.load_demo()
        ]
        urls = [
            pair for config in apps.get_app_configs() if hasattr(config, "demo_urls") for pair in config.demo_urls()
        ]

        # Printed after commit, so it comes after the demo e-mails the console backend prints; the box last of all.
        transaction.on_commit(lambda: self._summary(products, partner, users, extra))
        transaction.on_commit(lambda: self._box(users, urls))

    def _box(self, users: dict[str, str], urls: list[tuple[str, str]]) -> None:
        """The few lines a newcomer needs, in a box at the very end of `make run`'s set-up (README: "Try the
        journey")."""
        base = settings.SITE_URL
        passkey_origin = base.replace("127.0.0.1", "localhost")
        rows = [
            "TecnoSign demo: ready",
            "",
            f"Buy (a partner's link)     {base}/l/{COMMISSION_CODE}/",
            f"Buy with a discount        {base}/l/{DISCOUNT_CODE}/",
            f"Back office (agent etc.)   {base}/admin/",
            f"Partner area               {base}/parceiros/",
            *(f"{label:<26} {url}" for label, url in urls),
            "",
            *(f"{username:<26} password {password}" for username, password in users.items()),
            f"{'demo orders':<26} issuance password {DEMO_PASSWORDS['issuance_password']}",
            "",
            "Back office: the first sign-in sets up a second factor (an",
            f"authenticator app, or a passkey at {passkey_origin}/admin/).",
            'The ten-minute walk: README.md, "Try the journey".',
        ]
        width = max(len(row) for row in rows)
        self.stdout.write("┌" + "─" * (width + 2) + "┐")
        for row in rows:
            self.stdout.write(f"│ {row:<{width}} │")
        self.stdout.write("└" + "─" * (width + 2) + "┘")

    def _summary(self, products, partner, users, extra) -> None:
        base = settings.SITE_URL
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {products} products, partner “{partner.name}”."))
        self.stdout.write(f"  Link with commission:  {base}/l/{COMMISSION_CODE}/")
        self.stdout.write(f"  Link with discount:    {base}/l/{DISCOUNT_CODE}/")
        self.stdout.write(
            f"  Back office:           {base}/admin/ (the first sign-in sets up a second factor: an authenticator "
            f"app, or a passkey at {base.replace('127.0.0.1', 'localhost')})"
        )
        self.stdout.write(f"  Partner area:          {base}/parceiros/")
        for username, password in users.items():
            self.stdout.write(f"  user {username:<26} password {password}")
        for line in [*extra, *demo_lines()]:
            self.stdout.write(f"  {line}")

    def _user(self, username: str, full_name: str, *, superuser: bool = False, group: str | None = None) -> str:
        first, _, last = full_name.partition(" ")
        user, _ = get_user_model().objects.update_or_create(
            username=username,
            defaults=dict(
                first_name=first,
                last_name=last,
                email=f"{username.split('@')[0]}@tecnosign.local" if "@" not in username else username,
                is_staff=superuser or group is not None,
                is_superuser=superuser,
                is_active=True,
            ),
        )
        password = _password()
        user.set_password(password)
        user.save(update_fields=["password"])
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        return password

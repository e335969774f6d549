from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Parceiros"

    def second_factor_required(self, user) -> bool:
        """tecnosign.accounts asks: staff may require the second factor of a partner's account."""
        from orders.models import Partner

        return Partner.objects.filter(user=user, second_factor_required=True).exists()

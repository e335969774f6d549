from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class Product(models.Model):
    """A certificate as sold: holder type × certificate type × media × validity, with its price in BRL."""

    class HolderType(models.TextChoices):
        CPF = "cpf", "e-CPF (pessoa física)"
        CNPJ = "cnpj", "e-CNPJ (pessoa jurídica)"

    class CertificateType(models.TextChoices):
        A1 = "A1", "A1 — arquivo no computador"
        A3 = "A3", "A3 — mídia criptográfica"
        SE_S = "SE-S", "Selo eletrônico SE-S (software)"
        SE_H = "SE-H", "Selo eletrônico SE-H (hardware)"

    class Media(models.TextChoices):
        SOFTWARE = "software", "Arquivo (sem mídia física)"
        TOKEN = "token", "Token USB"
        CARD = "card", "Cartão"
        CARD_READER = "card_reader", "Cartão + leitora"
        OWN = "own", "Sem mídia (use a sua)"

    HARDWARE_MEDIA = (Media.TOKEN, Media.CARD, Media.CARD_READER, Media.OWN)
    DELIVERED_MEDIA = (Media.TOKEN, Media.CARD, Media.CARD_READER)
    SOFTWARE_TYPES = (CertificateType.A1, CertificateType.SE_S)

    code = models.SlugField("código", max_length=60, unique=True)
    name = models.CharField("nome", max_length=120)
    description = models.TextField("descrição", blank=True)
    holder_type = models.CharField("titular", max_length=4, choices=HolderType.choices)
    certificate_type = models.CharField("tipo", max_length=4, choices=CertificateType.choices)
    media = models.CharField("mídia", max_length=16, choices=Media.choices)
    validity_months = models.PositiveSmallIntegerField("validade (meses)")
    price = models.DecimalField(
        "preço (R$)", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    policy_oid = models.CharField(
        "OID da política", max_length=64, blank=True, help_text="Política de certificado da AC para este produto."
    )
    active = models.BooleanField("à venda", default=True)
    position = models.PositiveSmallIntegerField("ordem", default=0)

    class Meta:
        verbose_name = "produto"
        verbose_name_plural = "produtos"
        ordering = ["position", "holder_type", "certificate_type", "validity_months", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
            # ICP-BRASIL.md: software certificates last at most 12 months; A3 is 12 or 24 months since 2026.
            models.CheckConstraint(
                condition=~Q(certificate_type__in=["A1", "SE-S"]) | Q(validity_months__gte=1, validity_months__lte=12),
                name="product_software_max_12_months",
            ),
            models.CheckConstraint(
                condition=~Q(certificate_type__in=["A3", "SE-H"]) | Q(validity_months__in=[12, 24]),
                name="product_hardware_12_or_24_months",
            ),
            models.CheckConstraint(
                condition=~Q(certificate_type__in=["SE-S", "SE-H"]) | Q(holder_type="cnpj"),
                name="product_seal_legal_person_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_software(self) -> bool:
        return self.certificate_type in self.SOFTWARE_TYPES

    @property
    def needs_media_delivery(self) -> bool:
        return self.media in self.DELIVERED_MEDIA

    @property
    def is_for_company(self) -> bool:
        return self.holder_type == self.HolderType.CNPJ

    def clean(self) -> None:
        errors = {}
        if self.is_software and self.media != self.Media.SOFTWARE:
            errors["media"] = "Certificados A1 e SE-S são arquivos: a mídia deve ser “Arquivo”."
        if not self.is_software and self.media == self.Media.SOFTWARE:
            errors["media"] = "Certificados A3 e SE-H ficam em token ou cartão: escolha a mídia."
        if self.is_software and not 1 <= (self.validity_months or 0) <= 12:
            errors["validity_months"] = "Certificados em arquivo valem no máximo 12 meses."
        if not self.is_software and self.validity_months not in (12, 24):
            errors["validity_months"] = "Certificados em mídia valem 12 ou 24 meses (36 meses acabou em março de 2026)."
        if self.certificate_type in (self.CertificateType.SE_S, self.CertificateType.SE_H) and not self.is_for_company:
            errors["holder_type"] = "Selos eletrônicos são só para pessoa jurídica."
        if errors:
            raise ValidationError(errors)

"""The standard catalog (DESIGN.md §2): loaded by the demo command, kept in step by staff in the admin.

Policy OIDs stand for the issuing CA's policies (its DPC gives the real ones): 2.16.76.1.2.1.n are A1
policies and 2.16.76.1.2.3.n A3 policies in ICP-Brasil's arc.
"""

from decimal import Decimal

from .models import Product

P = Product
_MEDIA_NAMES = {
    P.Media.TOKEN: "token",
    P.Media.CARD: "cartão",
    P.Media.CARD_READER: "cartão + leitora",
    P.Media.OWN: "sem mídia",
}
# (holder, media, months) → price
_A3_PRICES = {
    (P.HolderType.CPF, P.Media.TOKEN): (Decimal("289.90"), Decimal("349.90")),
    (P.HolderType.CPF, P.Media.CARD): (Decimal("249.90"), Decimal("309.90")),
    (P.HolderType.CPF, P.Media.CARD_READER): (Decimal("349.90"), Decimal("409.90")),
    (P.HolderType.CPF, P.Media.OWN): (Decimal("149.90"), Decimal("199.90")),
    (P.HolderType.CNPJ, P.Media.TOKEN): (Decimal("359.90"), Decimal("439.90")),
    (P.HolderType.CNPJ, P.Media.CARD): (Decimal("319.90"), Decimal("399.90")),
    (P.HolderType.CNPJ, P.Media.CARD_READER): (Decimal("419.90"), Decimal("499.90")),
    (P.HolderType.CNPJ, P.Media.OWN): (Decimal("219.90"), Decimal("289.90")),
}


def standard_catalog() -> list[dict]:
    items = []
    position = 0
    for holder, label, a1_price in (
        (P.HolderType.CPF, "e-CPF", Decimal("159.90")),
        (P.HolderType.CNPJ, "e-CNPJ", Decimal("229.90")),
    ):
        position += 1
        items.append(
            dict(
                code=f"{label.lower()}-a1-12m",
                name=f"{label} A1 — 12 meses",
                holder_type=holder,
                certificate_type=P.CertificateType.A1,
                media=P.Media.SOFTWARE,
                validity_months=12,
                price=a1_price,
                policy_oid="2.16.76.1.2.1.133",
                position=position,
                description="Arquivo instalado no computador. Emissão on-line logo após a liberação.",
            )
        )
        for media, media_name in _MEDIA_NAMES.items():
            for months, price in zip((12, 24), _A3_PRICES[(holder, media)], strict=True):
                position += 1
                slug = media.replace("_", "-")
                items.append(
                    dict(
                        code=f"{label.lower()}-a3-{slug}-{months}m",
                        name=f"{label} A3 {media_name} — {months} meses",
                        holder_type=holder,
                        certificate_type=P.CertificateType.A3,
                        media=media,
                        validity_months=months,
                        price=price,
                        policy_oid="2.16.76.1.2.3.133",
                        position=position,
                        description=(
                            "Para instalar na sua própria mídia (token ou cartão ICP-Brasil)."
                            if media == P.Media.OWN
                            else "A mídia é enviada ao seu endereço; a emissão é feita quando ela chegar."
                        ),
                    )
                )
    return items


def catalog_load() -> int:
    """Create or update the standard products by code. Returns how many there are."""
    items = standard_catalog()
    for item in items:
        code = item.pop("code")
        product = Product(code=code, **item)
        product.full_clean(validate_unique=False)
        Product.objects.update_or_create(code=code, defaults=item)
    return len(items)

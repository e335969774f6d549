from datetime import date, timedelta
from decimal import Decimal

from orders.business_days import add_business_days, is_business_day
from orders.payments.boleto import barcode_from_line, boleto_build, due_factor, mod10, mod11_general
from orders.payments.pix import brcode, crc16_ccitt_false, parse_tlv

# The Banco Central's published static example, with its CRC.
BCB_EXAMPLE = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
    "5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)
# A real Santander line (factor 1137, R$ 389,36).
REAL_LINE = "03399161400700000191281556001014411370000038936"


def test_crc16_matches_the_standard_check_value_and_the_bcb_example():
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert f"{crc16_ccitt_false(BCB_EXAMPLE[:-4].encode()):04X}" == BCB_EXAMPLE[-4:]


def test_brcode_fields_and_crc():
    payload = brcode(
        key="pagamentos@tecnosign.com.br",
        amount=Decimal("135.91"),
        txid="3f2a-9c1d/e8b7",
        merchant_name="TecnoSign Certificação Digital Ltda",
        merchant_city="São Paulo",
    )
    fields = parse_tlv(payload)
    assert fields["00"] == "01" and fields["01"] == "12"
    assert parse_tlv(fields["26"]) == {"00": "br.gov.bcb.pix", "01": "pagamentos@tecnosign.com.br"}
    assert (fields["52"], fields["53"], fields["54"], fields["58"]) == ("0000", "986", "135.91", "BR")
    assert fields["59"] == "TECNOSIGN CERTIFICACAO DIG"[:25] and len(fields["59"]) <= 25
    assert fields["60"] == "SAO PAULO"
    assert parse_tlv(fields["62"]) == {"05": "3f2a9c1de8b7"}
    assert payload[-8:-4] == "6304"
    assert fields["63"] == f"{crc16_ccitt_false(payload[:-4].encode()):04X}"


def test_due_factor_restarted_in_february_2025():
    assert due_factor(date(2000, 7, 3)) == 1000
    assert due_factor(date(2025, 2, 21)) == 9999
    assert due_factor(date(2025, 2, 22)) == 1000
    assert due_factor(date(2026, 11, 30)) == 1000 + (date(2026, 11, 30) - date(2025, 2, 22)).days


def test_boleto_build_reproduces_a_real_bank_line():
    due = date(1997, 10, 7) + timedelta(days=1137)
    boleto = boleto_build(
        bank="033", amount=Decimal("389.36"), due=due, free_field=REAL_LINE[4:9] + REAL_LINE[10:20] + REAL_LINE[21:31]
    )
    assert boleto.line == REAL_LINE
    assert barcode_from_line(REAL_LINE) == boleto.barcode
    assert boleto.line_formatted == "03399.16140 07000.001912 81556.001014 4 11370000038936"


def test_every_check_digit_of_a_new_boleto_holds():
    boleto = boleto_build(
        bank="001", amount=Decimal("159.90"), due=date(2026, 11, 30), free_field="3401" + "7" * 17 + "0457"
    )
    line, barcode = boleto.line, boleto.barcode
    assert len(line) == 47 and len(barcode) == 44
    for start, end in ((0, 9), (10, 20), (21, 31)):
        assert mod10(line[start:end]) == int(line[end])
    assert mod11_general(barcode[:4] + barcode[5:]) == int(barcode[4])
    assert line[33:37] == f"{due_factor(date(2026, 11, 30)):04d}" and line[37:] == "0000015990"


def test_business_days_skip_weekends_and_national_holidays():
    assert not is_business_day(date(2026, 11, 20))  # Consciência Negra (national since 2024)
    assert not is_business_day(date(2026, 11, 21))  # Saturday
    # Wednesday 18/11 + 3 business days: Thu 19, (Fri 20 holiday), Mon 23, Tue 24.
    assert add_business_days(date(2026, 11, 18), 3) == date(2026, 11, 24)
    assert add_business_days(date(2026, 12, 23), 2) == date(2026, 12, 28)  # Christmas on Friday

"""DOC-ICP-04's fixed layouts, field by field (the journeys check them in real certificates)."""

from datetime import date

import pytest

from issuance.pki.names import common_name, fixed_number, person_data, person_name_field, voter_data

from .helpers import identity


def test_person_data_with_an_rg_carries_its_issuer_and_uf():
    text = person_data(
        birth_date=date(1990, 1, 2), cpf="52998224725", pis_nis="", rg="12.345.678-X", rg_issuer="SSP/SP"
    )

    assert text == "02011990" + "52998224725" + "0" * 11 + "00000012345678X" + "SSPSP"


def test_person_data_without_an_rg_is_zeros_and_no_issuer():
    text = person_data(
        birth_date=date(1990, 1, 2), cpf="52998224725", pis_nis="120.5647.891-5", rg="", rg_issuer="SSPSP"
    )

    assert text == "02011990" + "52998224725" + "12056478915" + "0" * 15
    assert len(text) == 45


def test_voter_data_keeps_the_municipality_only_with_a_voter_id():
    assert voter_data(voter_id="1234 5678 0191", zone="12", section="345", municipality="São Paulo SP") == (
        "123456780191" + "012" + "0345" + "SAOPAULOSP"
    )
    assert voter_data(voter_id="", zone="", section="", municipality="São Paulo SP") == "0" * 19


def test_a_number_too_long_for_its_field_is_refused():
    with pytest.raises(ValueError, match="does not fit in 11 positions"):
        fixed_number("529982247251", 11)


def test_names_are_capitals_without_accents_and_cut_to_fit_a_common_name():
    long_company = identity(holder_type="cnpj", company_name="Comércio de Pães e Doces " * 4, cnpj="12ABC34501DE35")

    assert person_name_field("  José  d'Ávila-Conceição ") == "JOSE DAVILACONCEICAO"
    cn = common_name(long_company)
    assert len(cn) == 64 and cn.endswith(":12ABC34501DE35") and cn.startswith("COMERCIO DE PAES E DOCES")

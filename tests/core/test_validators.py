"""Check digits and validators, with property tests over the whole input space."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core.checksums import USCC_CHARSET, id_check_char, uscc_check_char
from gonghui.core.idcard import (
    FOREIGN_PERMANENT,
    HK_MO_TW_RESIDENCE,
    RESIDENT_ID,
    build_id_number,
    mask_id_number,
    parse_id_number,
)
from gonghui.core.phone import mask_mobile, validate_mobile
from gonghui.core.regions import region_full_name, validate_region_code
from gonghui.core.uscc import build_uscc, validate_uscc

TODAY = dt.date(2026, 11, 24)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
provinces = st.sampled_from(["11", "31", "44", "65", "54"])


def test_known_real_format_examples():
    # The check-digit example of GB 11643 (Annex) and a well-known USCC example.
    assert id_check_char("11010519491231002") == "X"
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"


@given(provinces, births, st.integers(0, 999))
def test_every_built_id_number_parses_back(province, birth, seq):
    number = build_id_number(province + "0105", birth, seq)
    facts = parse_id_number(number, today=TODAY)
    assert facts.birth_date == birth
    assert facts.gender == ("male" if seq % 2 else "female")


@given(provinces, births, st.integers(0, 999), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(province, birth, seq, pos, delta):
    number = build_id_number(province + "0105", birth, seq)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    with pytest.raises(ValidationError):
        parse_id_number(changed, today=TODAY)


@given(births, st.integers(0, 999))
def test_wrong_check_char_is_rejected(birth, seq):
    number = build_id_number("440305", birth, seq)
    for c in "0123456789X":
        if c != number[-1]:
            with pytest.raises(ValidationError) as err:
                parse_id_number(number[:-1] + c, today=TODAY)
            assert err.value.code == "id_checksum"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("11010519491231002", "id_shape"),
        ("1101051949123100XX", "id_shape"),
        ("11010519491231٠٠21", "id_shape"),  # digits of another script are not ID digits
        ("１１０１０５１９４９１２３１００２１", "id_shape"),  # full-width
        ("990105194912310021", "id_region"),
        ("110105194913310021", "id_birth_date"),
        ("110105203001010021", "id_birth_date"),
    ],
)
def test_malformed_id_numbers_have_reasons(raw, code):
    with pytest.raises(ValidationError) as err:
        parse_id_number(raw, today=TODAY)
    assert err.value.code == code


def test_other_document_types():
    hk = build_id_number("810000", dt.date(1988, 2, 29), 11)
    assert parse_id_number(hk, HK_MO_TW_RESIDENCE, today=TODAY).gender == "male"
    with pytest.raises(ValidationError):
        parse_id_number(hk, RESIDENT_ID, today=TODAY)
    foreign = build_id_number("931840", dt.date(1980, 1, 2), 20)
    assert parse_id_number(foreign, FOREIGN_PERMANENT, today=TODAY).birth_date == dt.date(1980, 1, 2)
    with pytest.raises(ValidationError):
        parse_id_number(build_id_number("110105", dt.date(1980, 1, 2), 20), FOREIGN_PERMANENT, today=TODAY)


def test_lowercase_x_and_spaces_are_normalized():
    number = "11010519491231002X"
    assert parse_id_number(" 11010519491231002x ", today=TODAY).number == number
    assert mask_id_number(number) == "110105********002X"


@given(st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17))
def test_every_built_uscc_validates_and_any_change_is_caught(body):
    code = build_uscc(body)
    assert validate_uscc(code.lower()) == code
    for pos in range(18):
        for other in USCC_CHARSET[:5]:
            if other != code[pos]:
                changed = code[:pos] + other + code[pos + 1 :]
                with pytest.raises(ValidationError):
                    validate_uscc(changed)
                break


@pytest.mark.parametrize("raw", ["91350100M000100Y4", "91350100M000100Y4I", "91350100M000100Y44", ""])
def test_bad_uscc(raw):
    with pytest.raises(ValidationError):
        validate_uscc(raw)


def test_uscc_check_char_is_in_charset():
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"), ("8613800138000", "13800138000")],
)
def test_mobile_normalized(raw, clean):
    assert validate_mobile(raw) == clean


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "010-12345678", "abc"])
def test_bad_mobile(raw):
    with pytest.raises(ValidationError):
        validate_mobile(raw)


def test_mask_mobile():
    assert mask_mobile("13800138000") == "138****8000"


def test_region_codes_from_gbt2260_data():
    assert validate_region_code("440305") == "440305"
    assert region_full_name("440305") == "广东省深圳市南山区"
    assert region_full_name("110105") == "北京市朝阳区"
    with pytest.raises(ValidationError):
        validate_region_code("999999")

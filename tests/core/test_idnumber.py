import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from pingan.core.idnumber import (
    birth_date,
    check_character,
    mask_id_number,
    normalize_id_number,
    validate_id_number,
)

# The GB 11643 standard's own worked example, and a 水城区 number built with the check digit.
VALID = ["11010519491231002X", "520204199001011238"]


def make(first17: str) -> str:
    return first17 + check_character(first17)


def test_check_character_standard_example():
    assert check_character("11010519491231002") == "X"
    assert make("52020419900101123") == "520204199001011238"


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_pass(number):
    validate_id_number(number)


def test_lowercase_x_and_spaces_are_normalised():
    validate_id_number(" 11010519491231002x ")
    assert normalize_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491231002", "18 位"),
        ("1101051949123100XX", "18 位"),
        ("abcdefghijklmnopqr", "18 位"),
        ("110105491231002", "15 位"),
        (make("99010519491231002"), "地区码"),
        (make("52000019900101123"), "地区码"),
        (make("52020419900230123"), "出生日期不存在"),
        (make("52020418990101123"), "出生日期不合理"),
        (make("52020430000101123"), "出生日期不合理"),
        ("", "18 位"),
    ],
)
def test_invalid_numbers_name_the_problem(number, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number)
    assert fragment in exc.value.messages[0]
    assert exc.value.error_list[0].code == "invalid_id_number"


def test_future_birth_date_refused():
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(ValidationError):
        validate_id_number(make(f"520204{tomorrow:%Y%m%d}123"))


def test_mask_keeps_region_and_last_four():
    assert mask_id_number("52020419900101123X") == "520204********123X"
    assert mask_id_number("52020419900101123x") == "520204********123X"
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "*****"


def test_birth_date():
    assert birth_date("11010519491231002X") == dt.date(1949, 12, 31)

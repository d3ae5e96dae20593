import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

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
    ("number", "fragment", "code"),
    [
        ("110105194912310021", "校验位", "id_number_checksum"),
        ("11010519491231002", "18 位", "id_number_format"),
        ("1101051949123100XX", "18 位", "id_number_format"),
        ("abcdefghijklmnopqr", "18 位", "id_number_format"),
        ("110105491231002", "15 位", "id_number_format"),
        (make("99010519491231002"), "地区码", "id_number_format"),
        (make("52000019900101123"), "地区码", "id_number_format"),
        (make("52020419900230123"), "出生日期不存在", "id_number_birthdate"),
        (make("52020418990101123"), "出生日期不合理", "id_number_birthdate"),
        (make("52020430000101123"), "出生日期不合理", "id_number_birthdate"),
        ("", "18 位", "id_number_format"),
    ],
)
def test_invalid_numbers_name_the_problem(number, fragment, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number)
    assert fragment in exc.value.messages[0]
    assert exc.value.error_list[0].code == code


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


# --- properties -----------------------------------------------------------------------------

_REGIONS = st.sampled_from(["520204", "110105", "440305", "650102", "810000", "830000", "520221"])
_BIRTHS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))
_SEQUENCES = st.integers(min_value=0, max_value=999)


@st.composite
def valid_numbers(draw) -> str:
    first17 = f"{draw(_REGIONS)}{draw(_BIRTHS):%Y%m%d}{draw(_SEQUENCES):03d}"
    return make(first17)


@given(valid_numbers())
def test_generated_valid_numbers_validate_and_mask(number):
    validate_id_number(number)
    validate_id_number(number.lower())
    masked = mask_id_number(number)
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:] and masked[6:14] == "*" * 8


@given(valid_numbers(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_any_single_character_change_is_caught(number, position, shift):
    """MOD 11-2 catches every single substitution; some are caught earlier as a bad date or
    region, which is fine as long as none passes."""
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(number[position])
    new = alphabet[(old + shift) % len(alphabet)]
    if new == number[position]:
        return  # shift of a full cycle (only possible with 10 digits and shift 10)
    changed = number[:position] + new + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(changed)


@given(valid_numbers(), st.integers(min_value=0, max_value=16))
def test_adjacent_transposition_is_caught(number, position):
    a, b = number[position], number[position + 1]
    if a == b or b == "X":
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    with pytest.raises(ValidationError):
        validate_id_number(swapped)

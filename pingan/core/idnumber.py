"""居民身份证号码 (GB 11643-1999): validation and masking.

An 18-character number: 6-digit region code (GB/T 2260), 8-digit birth date, 3-digit sequence,
1 check character (ISO 7064 MOD 11-2, "X" stands for 10). First-generation 15-digit numbers
stopped being valid in 2013 and are refused.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
# Province-level prefixes of GB/T 2260 (mainland 11–65; 71 台湾, 81 香港, 82 澳门; 83 is used on
# residence permits for Hong Kong, Macao and Taiwan residents).
_PROVINCES = frozenset(
    ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"]
)
_PERMIT_PREFIXES = frozenset(["81", "82", "83"])


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    """Raise ValidationError with a message naming what is wrong and a code clients can branch on:
    `id_number_format` (length, characters, region code), `id_number_birthdate` (no such date,
    before 1900 or in the future), `id_number_checksum` (the check character does not match)."""
    number = normalize_id_number(value)
    if len(number) == 15 and number.isdigit():
        raise ValidationError(_("15 位旧身份证号码已停止使用，请输入 18 位号码。"), code="id_number_format")
    if not _SHAPE.match(number):
        raise ValidationError(_("身份证号码须为 18 位：17 位数字加 1 位数字或 X。"), code="id_number_format")
    # Residence permits for Hong Kong, Macao and Taiwan residents carry 810000/820000/830000;
    # mainland numbers always name a county-level region, never the bare province.
    if number[:2] not in _PROVINCES or (number[2:6] == "0000" and number[:2] not in _PERMIT_PREFIXES):
        raise ValidationError(_("身份证号码的地区码无效。"), code="id_number_format")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期不存在。"), code="id_number_birthdate") from None
    if born < dt.date(1900, 1, 1) or born > timezone.localdate():
        raise ValidationError(_("身份证号码中的出生日期不合理。"), code="id_number_birthdate")
    if check_character(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对。"), code="id_number_checksum")


def birth_date(value: str) -> dt.date:
    number = normalize_id_number(value)
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask_id_number(value: str) -> str:
    """Region code and last four kept: 520204********123X. Anything shorter is masked whole."""
    number = normalize_id_number(value)
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]

"""Typed access to `core.Setting` rows: statutory periods and thresholds kept as data with their
legal source (seeded from pingan/core/data/statutory_settings.json by migration 0005).

    amount = get_setting("court.delegated_mediation_days", int)        # 30
    amount, unit = get_period("court.mediator_accept_working_days")   # (3, "working_days")

A missing key is a configuration error, never a silent default: `SettingMissing` names the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar, overload

from django.apps import apps as global_apps
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .errors import ApplicationError
from .models import Deadline, Setting

T = TypeVar("T")

# Key suffix → deadline unit; longest suffix first so "_working_days" wins over "_days".
_UNIT_SUFFIXES = (
    ("_working_days", Deadline.Unit.WORKING_DAYS),
    ("_days", Deadline.Unit.NATURAL_DAYS),
    ("_months", Deadline.Unit.MONTHS),
    ("_hours", Deadline.Unit.HOURS),
)


class SettingMissing(ApplicationError):
    status = 500  # a deployment without the seeded settings is broken, not the user's fault

    def __init__(self, key: str) -> None:
        super().__init__(
            _("缺少参数“%(key)s”：请运行数据库迁移，或在管理后台“参数”中添加。") % {"key": key},
            code="setting_missing",
            field=key,
        )
        self.key = key


class SettingTypeError(ApplicationError):
    status = 500

    def __init__(self, key: str, expected: type, value: Any) -> None:
        super().__init__(
            _("参数“%(key)s”的值 %(value)r 不是 %(type)s 类型。")
            % {"key": key, "value": value, "type": expected.__name__},
            code="setting_type",
            field=key,
        )


@overload
def get_setting(key: str) -> Any: ...
@overload
def get_setting(key: str, expected: type[T]) -> T: ...


def get_setting(key: str, expected: type | None = None) -> Any:
    """The value of `key`; with `expected`, checked to be of that type (bool is not an int)."""
    row = Setting.objects.filter(key=key).values_list("value", flat=True).first()
    if row is None and not Setting.objects.filter(key=key).exists():
        raise SettingMissing(key)
    if expected is not None:
        ok = isinstance(row, expected) and not (expected in (int, float) and isinstance(row, bool))
        if expected is float and isinstance(row, int) and not isinstance(row, bool):
            return float(row)
        if not ok:
            raise SettingTypeError(key, expected, row)
    return row


def unit_for_key(key: str) -> str:
    for suffix, unit in _UNIT_SUFFIXES:
        if key.endswith(suffix):
            return unit.value
    raise ApplicationError(
        _("参数“%(key)s”不是期间（键名须以 _days、_working_days、_months 或 _hours 结尾）。") % {"key": key},
        code="not_a_period",
        field=key,
    )


def _is_period(key: str) -> bool:
    return any(key.endswith(suffix) for suffix, _unit in _UNIT_SUFFIXES)


def get_period(key: str) -> tuple[int, str]:
    """(amount, unit) of a statutory period, ready for `deadlines.start_deadline`."""
    unit = unit_for_key(key)
    return get_setting(key, int), unit


def set_setting(*, key: str, value: Any, by: Any, description: str | None = None, source: str | None = None, reason: str = "") -> Setting:
    """Change (or add) a setting; audited. A period keeps its type: an integer stays an integer."""
    with transaction.atomic():
        row = Setting.objects.select_for_update().filter(key=key).first()
        before = None
        if row is None:
            row = Setting(key=key, value=value)
        else:
            before = {"value": row.value, "description": row.description, "source": row.source}
            if isinstance(row.value, int) and not isinstance(row.value, bool) and (
                not isinstance(value, int) or isinstance(value, bool)
            ):
                raise ApplicationError(_("该参数须为整数。"), code="invalid_type", field="value")
            row.value = value
        if _is_period(key) and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ApplicationError(_("期间须为正整数。"), code="invalid_period", field="value")
        if description is not None:
            row.description = description
        if source is not None:
            row.source = source
        row.full_clean()
        row.save()
        audit.record(
            actor=by,
            event_type=audit.AuditEvent.SETTING_CHANGED,
            action="setting_changed" if before else "setting_added",
            obj=row,
            before=before,
            after={"value": row.value, "description": row.description, "source": row.source},
            reason=reason,
        )
    return row


def load_settings_file(path: Path | str, *, apps: Any = global_apps) -> None:
    """An app's shipped settings (`{"settings": [{key, value, description, source}, …]}`): a key
    already present keeps its row, as an administrator may have changed it. Data migrations pass
    their `apps` (the historical model); `seed()` at run time uses the live one."""
    model = apps.get_model("core", "Setting")
    for row in json.loads(Path(path).read_text(encoding="utf-8"))["settings"]:
        model.objects.get_or_create(
            key=row["key"], defaults={"value": row["value"], "description": row["description"], "source": row["source"]}
        )

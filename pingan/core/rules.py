"""The rule engine: JSON conditions evaluated against a plain dict (netbox extras/conditions.py).

A **condition** is one of

    {"all": [cond, ...]}        every sub-condition holds (a non-empty list)
    {"any": [cond, ...]}        at least one holds (a non-empty list)
    {"not": cond}               the sub-condition does not hold
    {"attr": "<path>", "op": "<operator>", "value": <json>, "match": "any" | "all"}

**Attribute paths** are dotted and resolve through dicts and lists:

    "facts.amount"        record["facts"]["amount"]
    "parties.0.age"       the first party's age (a number indexes a list)
    "parties.*.age"       every party's age (a wildcard fans out over a list or a dict's values)
    "parties.count"       the length of a list, dict or string (unless a dict has a "count" key)

A path that does not resolve is *missing*: only `exists` can be true for it (with value false);
every other operator is false. When a wildcard yields several values, the leaf holds if the
operator holds for any of them (`"match": "any"`, the default) or for every one of them and there
is at least one (`"match": "all"`).

**Operators** (closed list): see OPERATORS. `in`/`not_in` take a list, `between` a two-item
[low, high] list (inclusive), `exists` a boolean, `regex` a valid pattern (re.search on strings).
Comparisons between values that cannot be ordered (a string and a number) are false, never errors.

A **rule set** (core.RuleSet) holds rules `{"id", "name", "when": <condition>, "then": <json>}`;
in mode "first" the first rule that holds gives the result, in mode "all" every rule that holds
contributes its `then`; when none holds the set's `default` is the result. Versions are rows:
`save_ruleset` adds one, never edits an old one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import AuditEvent, record
from .errors import ApplicationError, ConflictError

OPERATORS = (
    "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte",
    "contains", "icontains", "regex", "exists", "between", "startswith",
)  # fmt: skip
LEAF_KEYS = {"attr", "op", "value", "match"}
RULE_KEYS = {"id", "name", "when", "then", "note"}
MAX_DEPTH = 20
MAX_REGEX_LENGTH = 500


def _op_labels() -> dict[str, str]:
    return {
        "eq": _("等于"),
        "ne": _("不等于"),
        "in": _("属于"),
        "not_in": _("不属于"),
        "gt": _("大于"),
        "gte": _("大于或等于"),
        "lt": _("小于"),
        "lte": _("小于或等于"),
        "contains": _("包含"),
        "icontains": _("包含（不区分大小写）"),
        "regex": _("匹配正则"),
        "exists": _("存在"),
        "between": _("介于"),
        "startswith": _("开头是"),
    }


# --- validation ---------------------------------------------------------------------------


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _check_leaf(cond: dict, path: str, errors: list[str]) -> None:
    unknown = sorted(set(cond) - LEAF_KEYS)
    if unknown:
        errors.append(
            _("%(path)s: 未知的键 %(keys)s，条件只能是 all/any/not 或含 attr、op、value 的对象")
            % {"path": path, "keys": ", ".join(f'"{k}"' for k in unknown)}
        )
    attr = cond.get("attr")
    if not isinstance(attr, str) or not attr or any(not part for part in attr.split(".")):
        errors.append(_("%(path)s.attr: 须为非空的属性路径，如 \"facts.amount\"") % {"path": path})
    op = cond.get("op")
    if op not in OPERATORS:
        errors.append(
            _('%(path)s.op: 未知运算符 "%(op)s"，可用：%(all)s')
            % {"path": path, "op": op, "all": ", ".join(OPERATORS)}
        )
        return
    match = cond.get("match", "any")
    if match not in ("any", "all"):
        errors.append(_('%(path)s.match: 须为 "any" 或 "all"') % {"path": path})
    if "value" not in cond and op != "exists":
        errors.append(_("%(path)s.value: 运算符 %(op)s 需要 value") % {"path": path, "op": op})
        return
    value = cond.get("value", True)
    vpath = f"{path}.value"
    if op in ("in", "not_in") and not isinstance(value, list):
        errors.append(_("%(path)s: 运算符 %(op)s 的值须为列表") % {"path": vpath, "op": op})
    elif op in ("gt", "gte", "lt", "lte") and not (_is_number(value) or isinstance(value, str)):
        errors.append(_("%(path)s: 运算符 %(op)s 的值须为数字或字符串") % {"path": vpath, "op": op})
    elif op == "between" and not (
        isinstance(value, list)
        and len(value) == 2
        and (all(_is_number(v) for v in value) or all(isinstance(v, str) for v in value))
    ):
        errors.append(_("%(path)s: between 的值须为 [下限, 上限] 两个数字或两个字符串") % {"path": vpath})
    elif op == "exists" and not isinstance(value, bool):
        errors.append(_("%(path)s: exists 的值须为 true 或 false") % {"path": vpath})
    elif op in ("icontains", "startswith") and not isinstance(value, str):
        errors.append(_("%(path)s: 运算符 %(op)s 的值须为字符串") % {"path": vpath, "op": op})
    elif op == "regex":
        if not isinstance(value, str):
            errors.append(_("%(path)s: regex 的值须为字符串") % {"path": vpath})
        elif len(value) > MAX_REGEX_LENGTH:
            errors.append(_("%(path)s: 正则表达式过长（最多 %(n)s 个字符）") % {"path": vpath, "n": MAX_REGEX_LENGTH})
        else:
            try:
                _compile(value)
            except re.error as exc:
                errors.append(_("%(path)s: 正则表达式无效：%(err)s") % {"path": vpath, "err": exc})


def _check(cond: Any, path: str, errors: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        errors.append(_("%(path)s: 条件嵌套过深（最多 %(n)s 层）") % {"path": path, "n": MAX_DEPTH})
        return
    if not isinstance(cond, dict) or not cond:
        errors.append(_("%(path)s: 条件须为非空对象") % {"path": path})
        return
    groups = [k for k in ("all", "any", "not") if k in cond]
    if groups:
        if len(cond) != 1:
            errors.append(
                _("%(path)s: all/any/not 须单独成一个对象，不能与其他键并列（见到 %(keys)s）")
                % {"path": path, "keys": ", ".join(sorted(cond))}
            )
            return
        key = groups[0]
        sub = cond[key]
        if key == "not":
            _check(sub, f"{path}.not", errors, depth + 1)
            return
        if not isinstance(sub, list) or not sub:
            errors.append(_("%(path)s.%(key)s: 须为非空的条件列表") % {"path": path, "key": key})
            return
        for i, item in enumerate(sub):
            _check(item, f"{path}.{key}[{i}]", errors, depth + 1)
        return
    _check_leaf(cond, path, errors)


def condition_errors(cond: Any, path: str = "when") -> list[str]:
    errors: list[str] = []
    _check(cond, path, errors, 0)
    return errors


def validate_condition(cond: Any, path: str = "when") -> None:
    """Raise ValidationError listing every problem, each prefixed with its path."""
    errors = condition_errors(cond, path)
    if errors:
        raise ValidationError(errors, code="invalid_condition")


def ruleset_errors(*, rules: Any, mode: str, default: Any = None) -> dict[str, list[str]]:
    from .models import RuleSet

    errors: dict[str, list[str]] = {}
    if mode not in RuleSet.Mode.values:
        errors.setdefault("mode", []).append(
            _('未知的命中方式 "%(mode)s"，可用：%(all)s') % {"mode": mode, "all": ", ".join(RuleSet.Mode.values)}
        )
    if not isinstance(rules, list):
        errors.setdefault("rules", []).append(_("rules: 须为规则列表"))
        return errors
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        path = f"rules[{i}]"
        msgs: list[str] = []
        if not isinstance(rule, dict):
            msgs.append(_("%(path)s: 规则须为对象") % {"path": path})
        else:
            unknown = sorted(set(rule) - RULE_KEYS)
            if unknown:
                msgs.append(
                    _("%(path)s: 未知的键 %(keys)s，可用：%(all)s")
                    % {"path": path, "keys": ", ".join(unknown), "all": ", ".join(sorted(RULE_KEYS))}
                )
            rid = rule.get("id")
            if not isinstance(rid, str) or not rid.strip():
                msgs.append(_("%(path)s.id: 须为非空字符串") % {"path": path})
            elif rid in seen:
                msgs.append(_('%(path)s.id: 编号 "%(id)s" 重复') % {"path": path, "id": rid})
            else:
                seen.add(rid)
            if "name" in rule and not isinstance(rule["name"], str):
                msgs.append(_("%(path)s.name: 须为字符串") % {"path": path})
            if "when" not in rule:
                msgs.append(_("%(path)s.when: 缺少条件") % {"path": path})
            else:
                msgs.extend(condition_errors(rule["when"], f"{path}.when"))
            if "then" not in rule:
                msgs.append(_("%(path)s.then: 缺少结果") % {"path": path})
        if msgs:
            errors.setdefault("rules", []).extend(msgs)
    return errors


def validate_ruleset(*, rules: Any, mode: str, default: Any = None) -> None:
    errors = ruleset_errors(rules=rules, mode=mode, default=default)
    if errors:
        raise ValidationError(errors, code="invalid_ruleset")


# --- evaluation ---------------------------------------------------------------------------

_MISSING = object()


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def resolve(record: Any, attr: str) -> tuple[list[Any], bool]:
    """Values found at `attr` and whether a wildcard was involved (so the result is a set)."""
    values: list[Any] = [record]
    fanned = False
    for part in attr.split("."):
        nxt: list[Any] = []
        for current in values:
            if part == "*":
                fanned = True
                if isinstance(current, list):
                    nxt.extend(current)
                elif isinstance(current, dict):
                    nxt.extend(current.values())
            elif isinstance(current, dict):
                if part in current:
                    nxt.append(current[part])
                elif part == "count":
                    nxt.append(len(current))
            elif isinstance(current, list):
                if part.lstrip("-").isdigit():
                    idx = int(part)
                    if -len(current) <= idx < len(current):
                        nxt.append(current[idx])
                elif part == "count":
                    nxt.append(len(current))
            elif isinstance(current, str) and part == "count":
                nxt.append(len(current))
        values = nxt
    return values, fanned


def _apply(op: str, actual: Any, expected: Any) -> bool:
    try:
        if op == "eq":
            return bool(actual == expected)
        if op == "ne":
            return bool(actual != expected)
        if op == "in":
            return actual in expected
        if op == "not_in":
            return actual not in expected
        if op in ("gt", "gte", "lt", "lte"):
            if isinstance(actual, bool) or isinstance(expected, bool):
                return False
            if _is_number(actual) != _is_number(expected):
                return False
            if op == "gt":
                return bool(actual > expected)
            if op == "gte":
                return bool(actual >= expected)
            if op == "lt":
                return bool(actual < expected)
            return bool(actual <= expected)
        if op == "between":
            low, high = expected
            return _apply("gte", actual, low) and _apply("lte", actual, high)
        if op == "contains":
            if isinstance(actual, str):
                return isinstance(expected, str) and expected in actual
            if isinstance(actual, list | dict):
                return expected in actual
            return False
        if op == "icontains":
            if isinstance(actual, str):
                return expected.casefold() in actual.casefold()
            if isinstance(actual, list):
                return any(isinstance(a, str) and a.casefold() == expected.casefold() for a in actual)
            return False
        if op == "startswith":
            return isinstance(actual, str) and actual.startswith(expected)
        if op == "regex":
            return isinstance(actual, str) and _compile(expected).search(actual) is not None
    except TypeError:
        return False
    raise ValueError(op)  # validation rejects unknown operators before we get here


@dataclass
class Trace:
    """Why a condition held or not, with the values seen; `render()` gives indented lines."""

    held: bool
    text: str
    children: list[Trace] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"held": self.held, "text": self.text}
        if self.children:
            out["children"] = [c.as_dict() for c in self.children]
        return out

    def render(self, indent: int = 0) -> list[str]:
        mark = "✓" if self.held else "✗"
        lines = [f"{'  ' * indent}{mark} {self.text}"]
        for child in self.children:
            lines.extend(child.render(indent + 1))
        return lines


def _fmt(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


def check(cond: dict, record: Any) -> Trace:
    """Evaluate a validated condition against a record. Every branch is evaluated (no
    short-circuit) so the explanation shows every value that was looked at."""
    if "all" in cond:
        children = [check(c, record) for c in cond["all"]]
        held = all(c.held for c in children)
        return Trace(held, _("全部满足（%(n)s 项）") % {"n": len(children)}, children)
    if "any" in cond:
        children = [check(c, record) for c in cond["any"]]
        held = any(c.held for c in children)
        return Trace(held, _("任一满足（%(n)s 项）") % {"n": len(children)}, children)
    if "not" in cond:
        child = check(cond["not"], record)
        return Trace(not child.held, _("并非以下条件"), [child])
    attr, op = cond["attr"], cond["op"]
    expected = cond.get("value", True)
    values, fanned = resolve(record, attr)
    label = _op_labels()[op]
    if op == "exists":
        held = bool(values) == expected
        seen = _fmt(values[0]) if len(values) == 1 and not fanned else _fmt(values) if values else _("（缺失）")
        text = _("%(attr)s %(label)s = %(exp)s；实际值 %(seen)s") % {
            "attr": attr, "label": label, "exp": _fmt(expected), "seen": seen,
        }  # fmt: skip
        return Trace(held, text)
    if not values:
        held = False
        seen = _("（缺失）")
    elif cond.get("match", "any") == "all":
        held = all(_apply(op, v, expected) for v in values)
        seen = _fmt(values)
    else:
        held = any(_apply(op, v, expected) for v in values)
        seen = _fmt(values) if fanned else _fmt(values[0])
    quant = ""
    if fanned:
        quant = _("（全部）") if cond.get("match", "any") == "all" else _("（任一）")
    text = _("%(attr)s%(quant)s %(label)s %(exp)s；实际值 %(seen)s") % {
        "attr": attr, "quant": quant, "label": label, "exp": _fmt(expected), "seen": seen,
    }  # fmt: skip
    return Trace(held, text)


def holds(cond: dict, record: Any) -> bool:
    return check(cond, record).held


@dataclass
class FiredRule:
    id: str
    name: str
    then: Any
    trace: Trace

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "then": self.then, "trace": self.trace.as_dict()}


@dataclass
class Evaluation:
    key: str
    version: int
    mode: str
    result: Any
    fired: list[FiredRule]
    used_default: bool
    traces: list[tuple[str, Trace]]  # every rule looked at, in order: (rule id, trace)

    @property
    def explanation(self) -> list[str]:
        lines = [_("规则集 %(key)s 第 %(v)s 版") % {"key": self.key, "v": self.version}]
        for rid, trace in self.traces:
            verdict = _("命中") if trace.held else _("未命中")
            lines.append(_("规则 %(id)s：%(verdict)s") % {"id": rid, "verdict": verdict})
            lines.extend(trace.render(1))
        if self.used_default:
            lines.append(_("没有规则命中，使用默认结果 %(d)s") % {"d": _fmt(self.result)})
        else:
            lines.append(_("结果：%(r)s") % {"r": _fmt(self.result)})
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "version": self.version,
            "mode": self.mode,
            "result": self.result,
            "used_default": self.used_default,
            "fired": [f.as_dict() for f in self.fired],
            "explanation": self.explanation,
        }


def evaluate_rules(*, key: str, version: int, mode: str, rules: list[dict], default: Any, record: Any) -> Evaluation:
    """Evaluate already validated rules; no database needed."""
    fired: list[FiredRule] = []
    traces: list[tuple[str, Trace]] = []
    for rule in rules:
        trace = check(rule["when"], record)
        traces.append((rule["id"], trace))
        if trace.held:
            fired.append(FiredRule(rule["id"], rule.get("name", ""), rule["then"], trace))
            if mode == "first":
                break
    if not fired:
        result, used_default = default, True
    elif mode == "first":
        result, used_default = fired[0].then, False
    else:
        result, used_default = [f.then for f in fired], False
    return Evaluation(key, version, mode, result, fired, used_default, traces)


# --- versioned rule sets (database) ---------------------------------------------------------


class RuleSetNotFound(ApplicationError):
    status = 404


def active_ruleset(key: str, at: datetime | None = None):
    """The version in force at `at` (default now): among active versions whose `valid_from` has
    come, the latest to take effect. A version saved with a future `valid_from` is scheduled:
    it takes over at that moment without anyone touching the older one."""
    from .models import RuleSet

    at = at or timezone.now()
    rs = (
        RuleSet.objects.filter(key=key, is_active=True, valid_from__lte=at)
        .order_by("-valid_from", "-version")
        .first()
    )
    if rs is None:
        raise RuleSetNotFound(_("规则集 %(key)s 没有生效的版本。") % {"key": key}, code="ruleset_not_found")
    return rs


def evaluate(ruleset_or_key, record: Any, *, at: datetime | None = None) -> Evaluation:
    """Evaluate a RuleSet row (or the version of `key` in force at `at`) against a record."""
    rs = active_ruleset(ruleset_or_key, at) if isinstance(ruleset_or_key, str) else ruleset_or_key
    return evaluate_rules(
        key=rs.key, version=rs.version, mode=rs.mode, rules=rs.rules, default=rs.default, record=record
    )


def save_ruleset(
    *,
    key: str,
    rules: list[dict],
    default: Any = None,
    mode: str = "first",
    by,
    note: str = "",
    source: str = "",
    name: str = "",
    valid_from: datetime | None = None,
):
    """Add a new version of `key`. Old versions are never edited: the previous versions in force
    are deactivated when the new one takes effect now; a future `valid_from` schedules the new
    version and leaves the current one running until then."""
    from .models import RuleSet

    validate_ruleset(rules=rules, mode=mode, default=default)
    now = timezone.now()
    valid_from = valid_from or now
    try:
        with transaction.atomic():
            # Lock the key's rows (PostgreSQL) so concurrent saves queue instead of colliding.
            rows = list(RuleSet.objects.select_for_update().filter(key=key).values_list("version", "name"))
            last_version, last_name = max(rows) if rows else (0, "")
            rs = RuleSet(
                key=key,
                version=last_version + 1,
                name=name or last_name,
                mode=mode,
                rules=rules,
                default=default,
                is_active=True,
                valid_from=valid_from,
                source=source,
                note=note,
                created_by=by if getattr(by, "pk", None) else None,
                created_at=now,
            )
            rs.full_clean()
            rs.save(force_insert=True)
            superseded: list[int] = []
            if valid_from <= now:
                old = RuleSet.objects.filter(key=key, is_active=True, valid_from__lte=now).exclude(pk=rs.pk)
                superseded = list(old.values_list("version", flat=True))
                old.update(is_active=False)
            record(
                actor=by,
                event_type=AuditEvent.RULESET_SAVED,
                action="ruleset.save",
                obj=rs,
                before={"deactivated_versions": superseded},
                after={"key": key, "version": rs.version, "mode": mode, "rules": rules, "default": default,
                       "valid_from": valid_from.isoformat(), "source": source},
                reason=note,
            )
    except IntegrityError as exc:
        # Two administrators saved the same key at once and picked the same version number.
        raise ConflictError(
            _("规则集 %(key)s 刚被他人修改，请刷新后重试。") % {"key": key}, code="ruleset_conflict"
        ) from exc
    return rs


def load_ruleset_file(path: Path | str, *, apps: Any = global_apps) -> None:
    """Version 1 of the rule set a shipped JSON file declares (`key name mode rules default note
    source`), when its key has no version yet (an administrator's later versions are kept).

    At run time (demo, tests) through save_ruleset, which validates and audits. In a data
    migration (`apps` the historical registry) the historical RuleSet model is written directly
    after the same validation: save_ruleset uses today's models, which would break replaying the
    migration once core's tables change."""
    data = json.loads(Path(path).read_text("utf-8"))
    RuleSet = apps.get_model("core", "RuleSet")
    if RuleSet.objects.filter(key=data["key"]).exists():
        return
    if apps is global_apps:
        save_ruleset(key=data["key"], rules=data["rules"], default=data["default"], mode=data["mode"], by=None,
                     note=data["note"], source=data["source"][:300], name=data["name"])
        return
    validate_ruleset(rules=data["rules"], mode=data["mode"], default=data["default"])
    RuleSet.objects.create(key=data["key"], version=1, name=data["name"], mode=data["mode"], rules=data["rules"],
                           default=data["default"], is_active=True, source=data["source"][:300], note=data["note"])

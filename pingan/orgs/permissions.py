"""The permission choke point. Every selector, API endpoint, page and admin list calls
`restrict(queryset, user, action)` before reading (DESIGN.md "Permissions at one choke point").

A user's permissions are the enabled `ObjectPermission` rows of their roles. Each row grants some
actions on some object types, optionally only inside a scope: a list of lookup dicts (OR-ed) whose
values may be tokens that stand for the user's own agency or jurisdiction (netbox's
`RestrictedQuerySet.restrict`). Missing permission → empty queryset, so an object outside one's
scope is a 404, indistinguishable from one that does not exist.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

M = TypeVar("M", bound=Model)

TOKENS = ("$user", "$agency", "$agency_path", "$jurisdiction", "$jurisdiction_path")
STANDARD_ACTIONS = ("view", "add", "change", "delete")


def object_type(model: type[Model] | Model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _token_values(user) -> dict[str, Any]:
    jur = user.scope_jurisdiction
    agency = user.agency if user.agency_id else None
    return {
        "$user": user.pk,
        "$agency": agency.pk if agency else None,
        "$agency_path": agency.path if agency else None,
        "$jurisdiction": jur.pk if jur else None,
        "$jurisdiction_path": jur.path if jur else None,
    }


def _resolve(value: Any, tokens: dict[str, Any]) -> Any:
    if isinstance(value, str) and value in tokens:
        return tokens[value]
    if isinstance(value, list):
        return [_resolve(v, tokens) for v in value]
    return value


def _grants(user) -> list[tuple[list[str], list[str], Any]]:
    """(object_types, actions, constraints) of every enabled permission of the user, cached on
    the user object for the request."""
    cached = getattr(user, "_pingan_grants", None)
    if cached is None:
        from .models import ObjectPermission

        rows = ObjectPermission.objects.filter(enabled=True, roles__users=user).distinct()
        cached = [(list(p.object_types), list(p.actions), p.constraints) for p in rows]
        user._pingan_grants = cached
    return cached


def _is_active_user(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def scope_q(user, model: type[Model], action: str) -> Q | None:
    """The Q that limits `model` for `user` and `action`; None means "nothing at all"."""
    if not _is_active_user(user):
        return None
    if user.is_superuser:
        return Q()
    otype = object_type(model)
    tokens = _token_values(user)
    q = None
    for types, actions, constraints in _grants(user):
        if otype not in types or action not in actions:
            continue
        if not constraints:
            return Q()  # an unconstrained grant covers everything
        for constraint in constraints:
            resolved = {k: _resolve(v, tokens) for k, v in constraint.items()}
            if any(v is None for v in resolved.values()):
                continue  # a token the user lacks (no agency) grants nothing, never everything
            part = Q(**resolved)
            q = part if q is None else q | part
    return q


def restrict(queryset: QuerySet[M], user, action: str = "view") -> QuerySet[M]:
    q = scope_q(user, queryset.model, action)
    if q is None:
        return queryset.none()
    if not q:
        return queryset
    if not _joins_to_many(queryset.model, q):
        # Only forward (to-one) lookups: filter in place on the record's own key columns, with the
        # scope's ids resolved first (see _hop_to_subquery).
        return queryset.filter(_hop_to_subquery(queryset.model, q, _scope_memo(user)))
    # pk__in keeps joins across to-many lookups from duplicating rows (netbox does the same).
    return queryset.filter(pk__in=queryset.model._default_manager.filter(q).values("pk"))


# Above this many ids a scope stays a subquery: only a district-wide scope gets there (the
# district has ~2,900 jurisdictions), and it usually covers the whole table (see _keys_of).
MAX_LITERAL_IDS = 1000


def _scope_memo(user) -> dict[Any, Any]:
    """Resolved scope ids, cached on the user object for the request like the grants (a page's
    statistics restrict five models by the same subtree)."""
    memo = getattr(user, "_pingan_scope_ids", None)
    if memo is None:
        memo = user._pingan_scope_ids = {}
    return memo


def _hop_to_subquery(model: type[Model], q: Q, memo: dict[Any, Any] | None = None) -> Q:
    """`agency__path__startswith=v` → `agency_id IN (3, 7)`, the ids of the small table's
    matching rows read first (and so on down a chain of foreign keys): the same rows as the join,
    but the big table is filtered on its own indexed key column against values the planner can
    see. With a subquery PostgreSQL answered "agency_id IN (…) OR jurisdiction_id IN (…)" by a
    sequential scan with two hashed subplans and SQLite by a scan; with literal lists each OR
    branch is an index range (PostgreSQL: BitmapOr; SQLite: the OR-by-union plan), and a COUNT
    needs no join at all."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    children: list[Any] = []
    for child in q.children:
        if isinstance(child, Q):
            children.append(_hop_to_subquery(model, child, memo))
            continue
        lookup, value = child  # type: ignore[misc]
        head, _sep, rest = lookup.partition("__")
        try:
            field = model._meta.get_field(head)
        except FieldDoesNotExist:
            field = None
        related: Any = field.related_model if field is not None else None
        if (field is not None and related is not None and field.concrete and (field.many_to_one or field.one_to_one)
                and rest):
            first = rest.partition("__")[0]
            target = field.target_field  # type: ignore[attr-defined]
            try:
                inner = related._meta.get_field(first) if first != "pk" else related._meta.pk
            except FieldDoesNotExist:
                inner = None  # a lookup on the key itself (agency__in=…): nothing to hop over
            if inner is not None and inner is not target:
                suffix, keys = _keys_of(related, target, _hop_to_subquery(related, Q((rest, value)), memo), memo)
                children.append((head + suffix, keys))
                continue
        children.append(child)
    out.children = children
    return out


def _keys_of(related: Any, target: Any, cond: Q, memo: dict[Any, Any] | None) -> tuple[str, Any]:
    """(lookup suffix, value) restricting a foreign key to the `related` rows matching `cond`: a
    literal list when it is short; "is not null" when the condition matches every row (a
    district-wide scope; the foreign key guarantees the rest); else the subquery."""
    key = (related._meta.label, target.attname, repr(cond))
    if memo is not None and key in memo:
        return memo[key]
    sub = related._base_manager.filter(cond)
    ids = list(sub.order_by().values_list(target.attname, flat=True)[:MAX_LITERAL_IDS + 1])
    if len(ids) <= MAX_LITERAL_IDS:
        found: tuple[str, Any] = ("__in", ids)
    elif not related._base_manager.exclude(cond).exists():
        found = ("__isnull", False)
    else:
        found = ("__in", sub.values(target.attname))
    if memo is not None:
        memo[key] = found
    return found


def _lookup_keys(q: Q) -> Iterable[str]:
    for child in q.children:
        if isinstance(child, Q):
            yield from _lookup_keys(child)
        elif isinstance(child, tuple):
            yield child[0]


def _joins_to_many(model: type[Model], q: Q) -> bool:
    """Does any lookup in `q` cross a many-to-many or reverse foreign key (which can duplicate rows)?"""
    for key in _lookup_keys(q):
        current = model
        for part in key.split("__"):
            try:
                field = current._meta.get_field(part)
            except FieldDoesNotExist:
                break  # a lookup suffix such as startswith
            if field.many_to_many or field.one_to_many:
                return True
            if not field.is_relation or field.related_model is None:
                break
            current = field.related_model
    return False


def can(user, action: str, model: type[Model] | Model) -> bool:
    """May the user do `action` on at least some objects of this type?"""
    model_cls = model if isinstance(model, type) else type(model)
    return scope_q(user, model_cls, action) is not None


def has_object_permission(user, obj: Model, action: str) -> bool:
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def get_for(queryset: QuerySet[M], *, user, pk: Any, action: str = "view") -> M:
    """Fetch one object the user may see, then check the action. Invisible → 404 (same as
    missing); visible but action not allowed → 403."""
    obj = restrict(queryset, user, "view").filter(pk=pk).first()
    if obj is None:
        raise Http404(_("记录不存在或无权查看。"))
    if action != "view" and not has_object_permission(user, obj, action):
        raise PermissionDenied(_("无权执行此操作。"))
    return obj


F = TypeVar("F", bound=Callable[..., Any])


def requires(action: str, model: type[Model]) -> Callable[[F], F]:
    """Endpoint/view decorator: refuse with 403 unless the user may do `action` on some `model`."""

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            if not can(request.user, action, model):
                raise PermissionDenied(_("无权执行此操作。"))
            return func(request, *args, **kwargs)

        wrapper.required_permission = (action, object_type(model))  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def validate_permission_row(perm) -> None:
    """Reject a malformed permission at save time with a message an administrator can act on."""
    from django.apps import apps

    errors: dict[str, list[str]] = {}
    types = perm.object_types
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        errors.setdefault("object_types", []).append(_("须为非空的对象类型列表，如 [\"orgs.agency\"]。"))
        types = []
    models_ = []
    for t in types:
        try:
            models_.append(apps.get_model(t))
        except (LookupError, ValueError):
            errors.setdefault("object_types", []).append(_("未知的对象类型：%(t)s") % {"t": t})
    actions = perm.actions
    if not isinstance(actions, list) or not actions or not all(isinstance(a, str) and a for a in actions):
        errors.setdefault("actions", []).append(_("须为非空的操作列表，如 [\"view\"]。"))
    constraints = perm.constraints
    if constraints not in (None, []):
        if not isinstance(constraints, list) or not all(isinstance(c, dict) and c for c in constraints):
            errors.setdefault("constraints", []).append(_("范围约束须为非空对象的列表，或留空表示不限。"))
        else:
            for c in constraints:
                for lookup in c:
                    for model in models_:
                        if not _lookup_ok(model, lookup):
                            errors.setdefault("constraints", []).append(
                                _("%(model)s 没有字段路径 %(lookup)s")
                                % {"model": object_type(model), "lookup": lookup}
                            )
                for v in c.values():
                    if isinstance(v, str) and v.startswith("$") and v not in TOKENS:
                        errors.setdefault("constraints", []).append(
                            _("未知的变量 %(v)s，可用：%(all)s") % {"v": v, "all": ", ".join(TOKENS)}
                        )
    if errors:
        raise ValidationError(errors)


_LOOKUPS = {"exact", "iexact", "in", "startswith", "istartswith", "gt", "gte", "lt", "lte", "isnull",
            "contains", "icontains", "range"}


def _lookup_ok(model: type[Model], lookup: str) -> bool:
    parts = lookup.split("__")
    current = model
    for i, part in enumerate(parts):
        try:
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        except FieldDoesNotExist:
            return i > 0 and part in _LOOKUPS and i == len(parts) - 1
        if field.is_relation and field.related_model is not None:
            current = field.related_model
        elif i < len(parts) - 1:
            return parts[i + 1] in _LOOKUPS and i + 1 == len(parts) - 1
    return True


def visible_ids(queryset: QuerySet, user, action: str = "view") -> Iterable[Any]:
    return restrict(queryset, user, action).values_list("pk", flat=True)

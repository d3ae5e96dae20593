"""Writes to the org chart: users, agencies, jurisdictions, role permissions. Every function is
keyword-only, validates with full_clean(), runs in one transaction and writes the audit entry.
The caller (view, API, admin) has already checked that `by` may do it through restrict()/get_for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.crypto import blind_index
from pingan.core.idnumber import mask_id_number, normalize_id_number, validate_id_number

from .models import Agency, Jurisdiction, ObjectPermission, Role, User

# Plain fields a caller may set on a user; roles, password and ID number have their own handling.
USER_FIELDS = ("full_name", "phone", "email", "agency", "jurisdiction", "language", "is_active", "is_staff",
               "is_superuser", "is_demo")
AGENCY_FIELDS = ("name", "short_name", "kind", "tier", "jurisdiction", "parent", "is_active")
JURISDICTION_FIELDS = ("name", "kind", "is_active", "source")


def _snapshot(obj, fields: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        field = obj._meta.get_field(f)
        out[f] = getattr(obj, field.attname)
    return out


def _user_snapshot(user: User) -> dict[str, Any]:
    data = _snapshot(user, ("username",) + USER_FIELDS)
    # The audit log is readable by administrators: keep ID numbers masked there too.
    data["id_number"] = mask_id_number(user.id_number or "")
    if user.pk:
        data["roles"] = sorted(user.roles.values_list("code", flat=True))
    return data


def _resolve_roles(roles: Iterable[Role | str]) -> list[Role]:
    items = list(roles)
    codes = [r for r in items if isinstance(r, str)]
    found = {r.code: r for r in Role.objects.filter(code__in=codes)}
    missing = sorted(set(codes) - set(found))
    if missing:
        raise ValidationError({"roles": [_("未知的角色：%(codes)s") % {"codes": ", ".join(missing)}]})
    return [r if isinstance(r, Role) else found[r] for r in items]


def _set_id_number(user: User, value: str) -> None:
    number = normalize_id_number(value)
    if number:
        try:
            validate_id_number(number)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None
        clash = User.objects.filter(id_number_hash=blind_index(number)).exclude(pk=user.pk).exists()
        if clash:
            raise ValidationError({"id_number": [_("该身份证号码已被其他用户使用。")]})
    user.id_number = number
    user.id_number_hash = blind_index(number) if number else ""


def _check_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


def create_user(
    *,
    by,
    username: str,
    password: str | None = None,
    roles: Iterable[Role | str] = (),
    id_number: str = "",
    check_password: bool = True,
    **fields: Any,
) -> User:
    """Create a staff user. `password=None` makes an account that cannot log in until one is set.
    `check_password=False` skips the strength validators (demo accounts with printed passwords)."""
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"create_user() got unexpected fields {sorted(unknown)}")
    user = User(username=username.strip(), **fields)
    role_objs = _resolve_roles(roles)
    _set_id_number(user, id_number)
    if password is None:
        user.set_unusable_password()
    else:
        if check_password:
            _check_password(user, password)
        user.set_password(password)
    user.full_clean()
    with transaction.atomic():
        user.save()
        user.roles.set(role_objs)
        record(actor=by, event_type=AuditEvent.USER_CREATED, action="create", obj=user, after=_user_snapshot(user))
    return user


def update_user(
    *,
    by,
    user: User,
    data: dict[str, Any],
    roles: Iterable[Role | str] | None = None,
    id_number: str | None = None,
) -> User:
    """Set the listed fields (and roles / ID number when given); records before and after."""
    unknown = set(data) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"update_user() got unexpected fields {sorted(unknown)}")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = _user_snapshot(user)
        for key, value in data.items():
            setattr(user, key, value)
        if id_number is not None:
            _set_id_number(user, id_number)
        role_objs = _resolve_roles(roles) if roles is not None else None
        user.full_clean()
        user.save()
        if role_objs is not None:
            user.roles.set(role_objs)
        after = _user_snapshot(user)
        if after != before:
            changed = sorted(k for k in after if after[k] != before.get(k))
            record(actor=by, event_type=AuditEvent.USER_CHANGED, action="update", obj=user,
                   before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed})
    return user


def set_user_password(*, by, user: User, password: str, check_password: bool = True) -> User:
    if check_password:
        _check_password(user, password)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        # Never the password or its hash: only that it changed.
        record(actor=by, event_type=AuditEvent.USER_CHANGED, action="set_password", obj=user,
               after={"password": "changed"})
    return user


def create_agency(
    *,
    by,
    code: str,
    name: str,
    kind: str,
    jurisdiction: Jurisdiction,
    parent: Agency | None = None,
    tier: str = "",
    short_name: str = "",
    is_demo: bool = False,
) -> Agency:
    agency = Agency(code=code, name=name, kind=kind, jurisdiction=jurisdiction, parent=parent, tier=tier,
                    short_name=short_name, is_demo=is_demo)
    agency.full_clean()
    _check_agency_parent(agency)
    with transaction.atomic():
        agency.save()
        record(actor=by, event_type=AuditEvent.ORG_CHANGED, action="create", obj=agency,
               after=_snapshot(agency, ("code",) + AGENCY_FIELDS))
    return agency


def _check_agency_parent(agency: Agency) -> None:
    # The agency path is a tree: an agency may not sit under itself or its own descendants.
    if agency.parent_id and agency.pk and agency.parent and agency.parent.path.startswith(agency.path or "\0"):
        raise ValidationError({"parent": [_("上级单位不能是本单位或其下属单位。")]})


def update_agency(*, by, agency: Agency, data: dict[str, Any]) -> Agency:
    unknown = set(data) - set(AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"update_agency() got unexpected fields {sorted(unknown)}")
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        before = _snapshot(agency, AGENCY_FIELDS)
        old_path = agency.path
        for key, value in data.items():
            setattr(agency, key, value)
        agency.full_clean()
        _check_agency_parent(agency)
        agency.save()
        if agency.path != old_path:
            _repath_agencies(old_path, agency.path)
        after = _snapshot(agency, AGENCY_FIELDS)
        if after != before:
            changed = sorted(k for k in after if after[k] != before[k])
            record(actor=by, event_type=AuditEvent.ORG_CHANGED, action="update", obj=agency,
                   before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return agency


def _repath_agencies(old: str, new: str) -> None:
    for child in Agency.objects.filter(path__startswith=old).exclude(path=new).order_by("path"):
        child.path = new + child.path[len(old):]
        Agency.objects.filter(pk=child.pk).update(path=child.path)


def _expected_level(parent: Jurisdiction) -> int:
    return parent.level + 1


def check_jurisdiction_code(code: str, parent: Jurisdiction, level: int) -> list[str]:
    """村（居）: 12 digits sharing the township's first 9 (统计用区划代码, 10th–12th digits number
    the village); 村民小组: the village's 12 digits plus 3."""
    if level == Jurisdiction.Level.VILLAGE:
        if not (len(code) == 12 and code.isdigit() and code[:9] == parent.code[:9] and code[9:] != "000"):
            return [_("村（居）代码须为 12 位数字，前 9 位与所属乡镇（街道）相同：%(p)s001–%(p)s999")
                    % {"p": parent.code[:9]}]
    elif level == Jurisdiction.Level.GROUP:
        if not (len(code) == 15 and code.isdigit() and code[:12] == parent.code and code[12:] != "000"):
            return [_("村民小组代码须为所属村（居）代码加 3 位序号：%(p)s001–%(p)s999") % {"p": parent.code}]
    else:
        return [_("只能在乡镇（街道）下新增村（居），在村（居）下新增村民小组。")]
    return []


def create_jurisdiction(
    *,
    by,
    code: str,
    name: str,
    parent: Jurisdiction,
    kind: str = "",
    is_demo: bool = False,
    source: str = "",
) -> Jurisdiction:
    """A village/community under a township, or a village group under a village."""
    level = _expected_level(parent)
    problems = check_jurisdiction_code(code, parent, level) if parent.level in (2, 3) else [
        _("只能在乡镇（街道）下新增村（居），在村（居）下新增村民小组。")]
    if problems:
        raise ValidationError({"code": problems})
    if not parent.is_active:
        raise ValidationError({"parent": [_("上级区划已撤销，不能再新增下级。")]})
    jur = Jurisdiction(code=code, name=name, level=level, parent=parent, kind=kind, is_demo=is_demo, source=source)
    jur.full_clean()
    with transaction.atomic():
        jur.save()
        record(actor=by, event_type=AuditEvent.JURISDICTION_CHANGED, action="create", obj=jur,
               after=_snapshot(jur, ("code", "level", "parent") + JURISDICTION_FIELDS))
    return jur


def update_jurisdiction(*, by, jurisdiction: Jurisdiction, data: dict[str, Any]) -> Jurisdiction:
    """Rename, re-kind or retire a division; codes and places in the tree do not change."""
    unknown = set(data) - set(JURISDICTION_FIELDS)
    if unknown:
        raise TypeError(f"update_jurisdiction() got unexpected fields {sorted(unknown)}")
    with transaction.atomic():
        jur = Jurisdiction.objects.select_for_update().get(pk=jurisdiction.pk)
        before = _snapshot(jur, JURISDICTION_FIELDS)
        for key, value in data.items():
            setattr(jur, key, value)
        jur.full_clean()
        jur.save()
        after = _snapshot(jur, JURISDICTION_FIELDS)
        if after != before:
            changed = sorted(k for k in after if after[k] != before[k])
            record(actor=by, event_type=AuditEvent.JURISDICTION_CHANGED, action="update", obj=jur,
                   before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return jur


def save_permission(
    *,
    by,
    name: str,
    object_types: list[str],
    actions: list[str],
    constraints: list[dict] | None = None,
    description: str = "",
    enabled: bool = True,
) -> ObjectPermission:
    """Create or replace a permission row by name (validated by validate_permission_row)."""
    fields = ("object_types", "actions", "constraints", "description", "enabled")
    with transaction.atomic():
        perm = ObjectPermission.objects.select_for_update().filter(name=name).first()
        before = _snapshot(perm, fields) if perm else None
        perm = perm or ObjectPermission(name=name)
        perm.object_types, perm.actions, perm.constraints = object_types, actions, constraints
        perm.description, perm.enabled = description, enabled
        perm.full_clean()
        perm.save()
        after = _snapshot(perm, fields)
        if after != before:
            record(actor=by, event_type=AuditEvent.PERMISSION_CHANGED, action="update" if before else "create",
                   obj=perm, before=before, after=after)
    return perm


def grant_permission(*, by, role: Role, permission: ObjectPermission) -> bool:
    """Give the role this permission row; False (and no audit entry) if it already had it."""
    with transaction.atomic():
        if permission.roles.filter(pk=role.pk).exists():
            return False
        permission.roles.add(role)
        record(actor=by, event_type=AuditEvent.PERMISSION_CHANGED, action="grant", obj=permission,
               after={"role": role.code, "permission": permission.name})
    return True


def revoke_permission(*, by, role: Role, permission: ObjectPermission) -> bool:
    with transaction.atomic():
        if not permission.roles.filter(pk=role.pk).exists():
            return False
        permission.roles.remove(role)
        record(actor=by, event_type=AuditEvent.PERMISSION_CHANGED, action="revoke", obj=permission,
               before={"role": role.code, "permission": permission.name})
    return True

"""The permission matrix: role × jurisdiction × action, allowed and denied, through restrict(),
can(), has_object_permission() and get_for(), with the shipped default permission rows."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from pingan.orgs.demo import ensure_agency, ensure_jurisdiction
from pingan.orgs.models import Agency, Jurisdiction, ObjectPermission, User
from pingan.orgs.permissions import (
    can,
    get_for,
    has_object_permission,
    restrict,
    validate_permission_row,
)
from pingan.orgs.services import save_permission, update_user

# (fixture user, role, agency)
USERS = {
    "leader": ("district_leader", "plc"),
    "admin_role": ("admin", "plc"),
    "clerk": ("court_clerk", "court"),
    "partner": ("partner", "partner-youth"),
    "police": ("police_officer", "ps-shaomi"),
    "township": ("township_official", "gov-shaomi"),
    "justice": ("justice_staff", "jo-520204104"),
    "vm_shaomi": ("village_mediator", "mc-v-shaomi-cun"),
    "vm_huangtupo": ("village_mediator", "mc-v-huangtupo"),
}

DISTRICT, SHAOMI, SHAOMI_CUN, SHAOMI_G1, PINGQING = (
    "520204000000", "520204104000", "520204104001", "520204104001001", "520204104002")
SHUANGSHUI, HUANGTUPO = "520204002000", "520204002001"


@pytest.fixture
def org(make_user):
    for code in (SHAOMI_G1, PINGQING, HUANGTUPO):
        ensure_jurisdiction(code)
    for code in ("vpo-shaomi-cun", "mc-t-shaomi", "mc-v-pingqing", "jo-520204002", "tribunal-dongdi", "ps-shuangshui"):
        ensure_agency(code)
    return {key: make_user(role, agency, username=key) for key, (role, agency) in USERS.items()}


def fresh(user):
    # Grants are cached on the user object for a request; a new object sees new rows.
    return User.objects.get(pk=user.pk)


JURISDICTION_MATRIX = [
    # who, division, action, allowed
    ("leader", DISTRICT, "view", True),
    ("leader", HUANGTUPO, "view", True),
    ("leader", SHAOMI_CUN, "change", False),
    ("admin_role", HUANGTUPO, "change", True),
    ("admin_role", SHAOMI_G1, "delete", True),
    ("clerk", HUANGTUPO, "view", True),
    ("clerk", SHAOMI_CUN, "change", False),
    ("partner", DISTRICT, "view", False),
    ("partner", SHAOMI_CUN, "view", False),
    ("police", SHAOMI_CUN, "view", True),
    ("police", HUANGTUPO, "view", False),
    ("township", SHAOMI, "view", True),
    ("township", SHAOMI_CUN, "view", True),
    ("township", SHAOMI_G1, "view", True),
    ("township", DISTRICT, "view", False),
    ("township", SHUANGSHUI, "view", False),
    ("township", HUANGTUPO, "view", False),
    ("township", SHAOMI_CUN, "change", True),
    ("township", SHAOMI_G1, "change", True),
    ("township", SHAOMI, "change", False),  # its own township is seeded data, not theirs to edit
    ("township", HUANGTUPO, "change", False),
    ("township", SHAOMI_CUN, "delete", False),
    ("justice", SHAOMI, "view", True),
    ("justice", PINGQING, "view", True),
    ("justice", SHUANGSHUI, "view", False),
    ("justice", SHAOMI_CUN, "change", False),
    ("vm_shaomi", SHAOMI_CUN, "view", True),
    ("vm_shaomi", SHAOMI_G1, "view", True),
    ("vm_shaomi", SHAOMI, "view", False),
    ("vm_shaomi", PINGQING, "view", False),
    ("vm_shaomi", HUANGTUPO, "view", False),
    ("vm_shaomi", SHAOMI_CUN, "change", False),
    ("vm_huangtupo", HUANGTUPO, "view", True),
    ("vm_huangtupo", SHAOMI_CUN, "view", False),
]


# One test per matrix (the org chart is built once), reporting every wrong cell at once.
@pytest.mark.django_db
def test_jurisdiction_matrix(org):
    wrong = []
    for who, code, action, allowed in JURISDICTION_MATRIX:
        target = Jurisdiction.objects.get(code=code)
        listed = restrict(Jurisdiction.objects.all(), org[who], action).filter(pk=target.pk).exists()
        if listed is not allowed or has_object_permission(org[who], target, action) is not allowed:
            wrong.append((who, code, action, allowed))
    assert wrong == []


AGENCY_MATRIX = [
    ("leader", "mc-v-huangtupo", "view", True),
    ("leader", "court", "change", False),
    ("clerk", "mc-v-huangtupo", "view", True),
    ("partner", "partner-youth", "view", True),
    ("partner", "court", "view", False),
    ("police", "vpo-shaomi-cun", "view", True),
    ("police", "ps-shuangshui", "view", False),
    ("justice", "mc-v-shaomi-cun", "view", True),
    ("justice", "mc-t-shaomi", "view", True),
    ("justice", "ps-shaomi", "view", True),
    ("justice", "court", "view", False),
    ("justice", "mc-v-huangtupo", "view", False),
    ("justice", "mc-v-shaomi-cun", "change", True),
    ("justice", "mc-t-shaomi", "change", True),
    ("justice", "ps-shaomi", "change", False),  # a 司法所 maintains mediation committees only
    ("justice", "mc-v-huangtupo", "change", False),
    ("township", "mc-v-shaomi-cun", "view", True),
    ("township", "mc-v-shaomi-cun", "change", False),
    ("vm_shaomi", "mc-v-shaomi-cun", "view", True),
    ("vm_shaomi", "vpo-shaomi-cun", "view", True),
    ("vm_shaomi", "jo-520204104", "view", False),
    ("vm_shaomi", "mc-v-pingqing", "view", False),
    ("vm_shaomi", "mc-v-huangtupo", "view", False),
    ("vm_shaomi", "mc-v-shaomi-cun", "change", False),
]


@pytest.mark.django_db
def test_agency_matrix(org):
    wrong = [(who, code, action, allowed) for who, code, action, allowed in AGENCY_MATRIX
             if has_object_permission(org[who], Agency.objects.get(code=code), action) is not allowed]
    assert wrong == []


USER_MATRIX = [
    ("leader", "vm_huangtupo", True),
    ("township", "justice", True),
    ("township", "vm_shaomi", True),
    ("township", "vm_huangtupo", False),
    ("township", "clerk", False),
    ("justice", "vm_shaomi", True),
    ("justice", "vm_huangtupo", False),
    ("vm_shaomi", "vm_shaomi", True),
    ("vm_shaomi", "township", False),
    ("vm_shaomi", "vm_huangtupo", False),
    ("partner", "partner", True),
    ("partner", "leader", False),
    ("clerk", "leader", False),
]


@pytest.mark.django_db
def test_user_matrix(org):
    wrong = [(who, whom, allowed) for who, whom, allowed in USER_MATRIX
             if has_object_permission(org[who], org[whom], "view") is not allowed]
    assert wrong == []


@pytest.mark.django_db
def test_lists_are_whole_subtrees(org):
    codes = set(restrict(Jurisdiction.objects.all(), org["township"]).values_list("code", flat=True))
    assert codes == {SHAOMI, SHAOMI_CUN, SHAOMI_G1, PINGQING}
    codes = set(restrict(Jurisdiction.objects.all(), org["vm_shaomi"]).values_list("code", flat=True))
    assert codes == {SHAOMI_CUN, SHAOMI_G1}
    assert restrict(Jurisdiction.objects.all(), org["leader"]).count() == Jurisdiction.objects.count()
    # The village mediator: agencies located in the village, and their own.
    agencies = set(restrict(Agency.objects.all(), org["vm_shaomi"]).values_list("code", flat=True))
    assert agencies == {"mc-v-shaomi-cun", "vpo-shaomi-cun"}


CAN_MATRIX = [
    ("leader", "view", User, True),
    ("leader", "add", Jurisdiction, False),
    ("township", "add", Jurisdiction, True),
    ("township", "add", Agency, False),
    ("justice", "add", Agency, True),
    ("justice", "delete", Agency, False),
    ("vm_shaomi", "view", Jurisdiction, True),
    ("vm_shaomi", "change", Jurisdiction, False),
    ("partner", "view", Jurisdiction, False),
    ("partner", "view", Agency, True),
    ("admin_role", "delete", ObjectPermission, True),
    ("leader", "view", ObjectPermission, False),
]


@pytest.mark.django_db
def test_can(org):
    wrong = [(who, action, model.__name__, allowed) for who, action, model, allowed in CAN_MATRIX
             if can(org[who], action, model) is not allowed]
    assert wrong == []


@pytest.mark.django_db
def test_get_for_404_outside_scope_403_when_action_denied(org):
    huangtupo = Jurisdiction.objects.get(code=HUANGTUPO)
    shaomi = Jurisdiction.objects.get(code=SHAOMI)
    shaomi_cun = Jurisdiction.objects.get(code=SHAOMI_CUN)
    qs = Jurisdiction.objects.all()
    user = org["township"]
    with pytest.raises(Http404):
        get_for(qs, user=user, pk=huangtupo.pk)
    with pytest.raises(Http404):  # missing and forbidden look the same
        get_for(qs, user=user, pk=10**9)
    with pytest.raises(Http404):
        get_for(qs, user=user, pk=huangtupo.pk, action="change")
    with pytest.raises(PermissionDenied):
        get_for(qs, user=user, pk=shaomi.pk, action="change")
    assert get_for(qs, user=user, pk=shaomi.pk) == shaomi
    assert get_for(qs, user=user, pk=shaomi_cun.pk, action="change") == shaomi_cun


@pytest.mark.django_db
def test_superuser_sees_everything_without_roles(make_user):
    root = make_user(None, None, username="root", is_superuser=True)
    assert restrict(Jurisdiction.objects.all(), root, "delete").count() == Jurisdiction.objects.count()
    assert can(root, "anything", Agency)


@pytest.mark.django_db
def test_inactive_and_anonymous_users_see_nothing(org):
    leader = update_user(by=None, user=org["leader"], data={"is_active": False})
    assert not restrict(Jurisdiction.objects.all(), fresh(leader)).exists()
    assert not can(fresh(leader), "view", Jurisdiction)
    assert not restrict(Jurisdiction.objects.all(), AnonymousUser()).exists()
    assert not restrict(Jurisdiction.objects.all(), None).exists()
    with pytest.raises(Http404):
        get_for(Jurisdiction.objects.all(), user=AnonymousUser(), pk=Jurisdiction.objects.first().pk)


@pytest.mark.django_db
def test_user_without_agency_sees_only_themselves(make_user, district):
    lost = make_user("village_mediator", None, username="lost")
    # $jurisdiction_path and $agency resolve to nothing: a constraint on them grants nothing.
    assert not restrict(Jurisdiction.objects.all(), lost).exists()
    assert not restrict(Agency.objects.all(), lost).exists()
    assert list(restrict(User.objects.all(), lost)) == [lost]


@pytest.mark.django_db
def test_user_jurisdiction_narrows_the_agency_scope(make_user):
    ensure_jurisdiction(HUANGTUPO)
    staff = make_user("justice_staff", "justice", username="bureau_staff")
    assert restrict(Jurisdiction.objects.all(), staff).filter(code=HUANGTUPO).exists()
    staff = update_user(by=None, user=staff, data={"jurisdiction": Jurisdiction.objects.get(code=SHAOMI)})
    codes = set(restrict(Jurisdiction.objects.all(), fresh(staff)).values_list("code", flat=True))
    assert SHAOMI in codes and HUANGTUPO not in codes and DISTRICT not in codes


@pytest.mark.django_db
def test_disabled_row_grants_nothing(org):
    perm = ObjectPermission.objects.get(name="orgs.view_district")
    save_permission(by=None, name=perm.name, object_types=perm.object_types, actions=perm.actions,
                    constraints=perm.constraints, enabled=False)
    assert not can(fresh(org["clerk"]), "view", Jurisdiction)


@pytest.mark.django_db
def test_grants_of_two_roles_add_up_and_rows_are_not_duplicated(org):
    user = update_user(by=None, user=org["vm_shaomi"], data={}, roles=["village_mediator", "partner"])
    save_permission(by=None, name="test.users_by_role", object_types=["orgs.user"], actions=["view"],
                    constraints=[{"roles__code__in": ["village_mediator", "partner"]}])
    ObjectPermission.objects.get(name="test.users_by_role").roles.add(*fresh(user).roles.all())
    visible = list(restrict(User.objects.all(), fresh(user)))
    # A to-many lookup would duplicate a user with two matching roles; pk__in keeps one row.
    assert len(visible) == len(set(visible))
    assert {u.username for u in visible} >= {"vm_shaomi", "vm_huangtupo", "partner"}


@pytest.mark.django_db
def test_grants_are_read_once_per_user_object(org, django_assert_num_queries):
    user = fresh(org["township"])
    list(restrict(Jurisdiction.objects.all(), user))
    with django_assert_num_queries(1):  # only the list itself; grants and tokens are cached
        list(restrict(Jurisdiction.objects.all(), user))


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"object_types": [], "actions": ["view"]}, "object_types", "非空"),
        ({"object_types": "orgs.agency", "actions": ["view"]}, "object_types", "非空"),
        ({"object_types": ["orgs.nothing"], "actions": ["view"]}, "object_types", "未知的对象类型：orgs.nothing"),
        ({"object_types": ["orgs.agency"], "actions": []}, "actions", "非空"),
        ({"object_types": ["orgs.agency"], "actions": ["view"], "constraints": {"kind": "court"}}, "constraints",
         "列表"),
        ({"object_types": ["orgs.agency"], "actions": ["view"], "constraints": [{}]}, "constraints", "列表"),
        ({"object_types": ["orgs.agency"], "actions": ["view"], "constraints": [{"nope": 1}]}, "constraints",
         "orgs.agency 没有字段路径 nope"),
        ({"object_types": ["orgs.agency", "orgs.jurisdiction"], "actions": ["view"],
          "constraints": [{"tier": "village"}]}, "constraints", "orgs.jurisdiction 没有字段路径 tier"),
        ({"object_types": ["orgs.agency"], "actions": ["view"], "constraints": [{"pk": "$agnecy"}]},
         "constraints", "未知的变量 $agnecy"),
    ],
)
def test_constraint_validation_messages(fields, field, fragment):
    perm = ObjectPermission(name="x", **fields)
    with pytest.raises(ValidationError) as exc:
        validate_permission_row(perm)
    assert any(fragment in m for m in exc.value.message_dict[field]), exc.value.message_dict


@pytest.mark.parametrize(
    "constraints",
    [None, [], [{"pk": "$agency"}], [{"jurisdiction__path__startswith": "$jurisdiction_path", "kind": "court"}],
     [{"parent__code__in": ["court", "police"]}, {"path__startswith": "$agency_path"}]],
)
def test_valid_constraints_pass(constraints):
    validate_permission_row(ObjectPermission(name="x", object_types=["orgs.agency"], actions=["view"],
                                             constraints=constraints))

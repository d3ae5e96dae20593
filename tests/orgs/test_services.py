import pytest
from django.core.exceptions import ValidationError

from pingan.core.audit import AuditEvent
from pingan.core.crypto import blind_index
from pingan.core.models import AuditEntry
from pingan.orgs import services
from pingan.orgs.demo import ensure_agency, ensure_jurisdiction
from pingan.orgs.models import Agency, Jurisdiction, ObjectPermission, Role, User

ID = "11010519491231002X"


def entries(event):
    return AuditEntry.objects.filter(event_type=event)


@pytest.mark.django_db
def test_create_user_encrypts_and_indexes_id_number_and_audits(district_leader):
    agency = ensure_agency("jo-520204104")
    user = services.create_user(by=district_leader, username="zhou", password="Shuicheng-2026!", roles=["justice_staff"],
                                agency=agency, full_name="周静", id_number=" 11010519491231002x ")
    user = User.objects.get(pk=user.pk)
    assert user.id_number == ID and user.id_number_hash == blind_index(ID)
    assert user.check_password("Shuicheng-2026!")
    assert list(user.roles.values_list("code", flat=True)) == ["justice_staff"]
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM orgs_user WHERE id = %s", [user.pk])
        assert ID not in cur.fetchone()[0]  # ciphertext at rest
    entry = entries(AuditEvent.USER_CREATED).get(object_id=str(user.pk))
    assert entry.actor_id == district_leader.pk
    assert entry.after["id_number"] == "110105********002X"
    assert entry.after["roles"] == ["justice_staff"]
    assert "password" not in entry.after


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"password": "123"}, "password"),
        ({"roles": ["no_such_role"]}, "roles"),
        ({"username": ""}, "username"),
    ],
)
def test_create_user_refuses_bad_input_and_writes_nothing(district, kwargs, field):
    args = {"by": None, "username": "someone", "password": "Shuicheng-2026!", **kwargs}
    users, audits = User.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_user(**args)
    assert field in exc.value.message_dict
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, audits)


@pytest.mark.django_db
def test_id_number_is_unique_across_users(make_user):
    make_user("judge", "court", username="a", id_number=ID)
    with pytest.raises(ValidationError) as exc:
        make_user("judge", "court", username="b", id_number=ID.lower())
    assert "已被其他用户使用" in exc.value.message_dict["id_number"][0]


@pytest.mark.django_db
def test_update_user_records_only_what_changed(make_user, district_leader):
    user = make_user("village_mediator", "mc-v-shaomi-cun", username="long")
    before = entries(AuditEvent.USER_CHANGED).count()
    services.update_user(by=district_leader, user=user, data={"full_name": "龙光明"},
                         roles=["village_mediator", "mediator"])
    entry = entries(AuditEvent.USER_CHANGED).latest("seq")
    assert entry.before == {"full_name": "", "roles": ["village_mediator"]}
    assert entry.after == {"full_name": "龙光明", "roles": ["mediator", "village_mediator"]}
    services.update_user(by=district_leader, user=user, data={"full_name": "龙光明"})
    assert entries(AuditEvent.USER_CHANGED).count() == before + 1  # no change, no entry
    services.update_user(by=district_leader, user=user, data={}, id_number="")
    with pytest.raises(TypeError):
        services.update_user(by=district_leader, user=user, data={"password": "x"})


@pytest.mark.django_db
def test_set_password_audits_without_the_secret(make_user):
    user = make_user("judge", "court")
    services.set_user_password(by=user, user=user, password="Another-Pass-2026")
    assert User.objects.get(pk=user.pk).check_password("Another-Pass-2026")
    entry = entries(AuditEvent.USER_CHANGED).latest("seq")
    assert entry.action == "set_password" and entry.after == {"password": "changed"}


@pytest.mark.django_db
def test_create_and_move_agency(district, district_leader):
    shaomi = Jurisdiction.objects.get(code="520204104000")
    committee = services.create_agency(by=district_leader, code="mc-t-test", name="测试调委会", kind="mediation_committee",
                                       tier="township", jurisdiction=shaomi)
    child = services.create_agency(by=district_leader, code="mc-t-test-sub", name="分会", kind="mediation_committee",
                                   tier="township", jurisdiction=shaomi, parent=committee)
    assert child.path == "mc-t-test/mc-t-test-sub/"
    assert entries(AuditEvent.ORG_CHANGED).filter(object_id=str(committee.pk), action="create").exists()
    centre = ensure_agency("mediation-centre")
    services.update_agency(by=district_leader, agency=committee, data={"parent": centre})
    assert Agency.objects.get(pk=child.pk).path == "justice/mediation-centre/mc-t-test/mc-t-test-sub/"
    with pytest.raises(ValidationError) as exc:
        services.update_agency(by=district_leader, agency=centre, data={"parent": Agency.objects.get(pk=child.pk)})
    assert "parent" in exc.value.message_dict


@pytest.mark.django_db
def test_agency_tier_only_for_committees(district):
    with pytest.raises(ValidationError):
        services.create_agency(by=None, code="court-x", name="法院", kind="court", tier="village",
                               jurisdiction=district)
    with pytest.raises(ValidationError):
        services.create_agency(by=None, code="mc-x", name="调委会", kind="mediation_committee",
                               jurisdiction=district)
    assert not Agency.objects.filter(code__in=["court-x", "mc-x"]).exists()


@pytest.mark.django_db
def test_create_village_and_group_codes_follow_the_parent(district):
    shaomi = Jurisdiction.objects.get(code="520204104000")
    village = services.create_jurisdiction(by=None, code="520204104050", name="测试村", kind="村", parent=shaomi)
    assert village.level == Jurisdiction.Level.VILLAGE and village.path == "520204000000/520204104000/520204104050/"
    group = services.create_jurisdiction(by=None, code="520204104050001", name="一组", kind="组", parent=village)
    assert group.level == Jurisdiction.Level.GROUP and group.is_within(shaomi)
    assert entries(AuditEvent.JURISDICTION_CHANGED).filter(object_id=str(group.pk)).exists()
    bad = [
        ("520204110050", shaomi, "前 9 位"),  # another township's range
        ("520204104000", shaomi, "001"),  # the township's own code
        ("52020410405", shaomi, "12 位"),
        ("520204104050000", village, "3 位序号"),
        ("520204104051001", village, "3 位序号"),
        ("520204104050001001", group, "只能"),
        ("520204999000", district, "只能"),
    ]
    for code, parent, fragment in bad:
        with pytest.raises(ValidationError) as exc:
            services.create_jurisdiction(by=None, code=code, name="x", parent=parent)
        assert fragment in exc.value.message_dict["code"][0], code
    revoked = Jurisdiction.objects.get(code="520204600000")
    with pytest.raises(ValidationError) as exc:
        services.create_jurisdiction(by=None, code="520204600001", name="x", parent=revoked)
    assert "parent" in exc.value.message_dict


@pytest.mark.django_db
def test_update_jurisdiction_audits_changes(district):
    village = ensure_jurisdiction("520204104001")
    services.update_jurisdiction(by=None, jurisdiction=village, data={"name": "勺米社区", "kind": "社区"})
    entry = entries(AuditEvent.JURISDICTION_CHANGED).latest("seq")
    assert entry.before == {"kind": "村", "name": "勺米村"} and entry.after == {"kind": "社区", "name": "勺米社区"}


@pytest.mark.django_db
def test_grant_and_revoke_permission(district, district_leader):
    role = Role.objects.get(code="partner")
    perm = ObjectPermission.objects.get(name="orgs.view_district")
    assert services.grant_permission(by=district_leader, role=role, permission=perm) is True
    assert services.grant_permission(by=district_leader, role=role, permission=perm) is False
    assert perm.roles.filter(pk=role.pk).exists()
    assert services.revoke_permission(by=district_leader, role=role, permission=perm) is True
    assert services.revoke_permission(by=district_leader, role=role, permission=perm) is False
    actions = list(entries(AuditEvent.PERMISSION_CHANGED).filter(object_id=str(perm.pk)).values_list("action", flat=True))
    assert actions == ["grant", "revoke"]


@pytest.mark.django_db
def test_save_permission_validates_and_audits(district):
    with pytest.raises(ValidationError) as exc:
        services.save_permission(by=None, name="bad", object_types=["orgs.agency"], actions=["view"],
                                 constraints=[{"kind": "$nope"}])
    assert "constraints" in exc.value.message_dict
    assert not ObjectPermission.objects.filter(name="bad").exists()
    perm = services.save_permission(by=None, name="good", object_types=["orgs.agency"], actions=["view"],
                                    constraints=[{"kind": "court"}])
    services.save_permission(by=None, name="good", object_types=["orgs.agency"], actions=["view"],
                             constraints=[{"kind": "court"}])  # unchanged: no second entry
    assert list(entries(AuditEvent.PERMISSION_CHANGED).filter(object_id=str(perm.pk)).values_list("action", flat=True)) == ["create"]

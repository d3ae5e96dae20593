import pytest
from django.urls import reverse

from pingan.core.audit import AuditEvent
from pingan.core.models import AuditEntry
from pingan.orgs.demo import ensure_jurisdiction
from pingan.orgs.models import ApiToken, Jurisdiction, ObjectPermission, User
from pingan.orgs.services import update_user


@pytest.fixture
def superuser(make_user):
    return make_user(None, "plc", username="root", is_staff=True, is_superuser=True)


def staff(user):
    return update_user(by=None, user=user, data={"is_staff": True})


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["jurisdiction", "agency", "role", "objectpermission", "user", "apitoken"])
def test_superuser_sees_every_changelist(client, superuser, model):
    client.force_login(superuser)
    assert client.get(reverse(f"admin:orgs_{model}_changelist")).status_code == 200


@pytest.mark.django_db
def test_scoped_admin_lists_only_its_township(client, township_official, other_village_mediator):
    ensure_jurisdiction("520204104001")
    client.force_login(staff(township_official))
    page = client.get(reverse("admin:orgs_jurisdiction_changelist") + "?all=")
    assert page.status_code == 200
    shown = set(page.context["cl"].result_list.values_list("code", flat=True))
    assert "520204104000" in shown and "520204104001" in shown  # 勺米镇 and 勺米村
    assert "520204002001" not in shown and "520204000000" not in shown  # 黄土坡社区, the district
    # Outside the scope: 404 in the change view, like everywhere else.
    huangtupo = Jurisdiction.objects.get(code="520204002001")
    assert client.get(reverse("admin:orgs_jurisdiction_change", args=[huangtupo.pk])).status_code in (302, 404)
    # Users: only those in 勺米镇's agencies.
    users = client.get(reverse("admin:orgs_user_changelist"))
    names = {u.username for u in users.context["cl"].result_list}
    assert names == {"township_official"}
    # No permission on roles at all: the module is hidden and the list refused.
    assert client.get(reverse("admin:orgs_role_changelist")).status_code == 403


@pytest.mark.django_db
def test_scoped_admin_can_change_a_village_but_not_the_township(client, township_official):
    client.force_login(staff(township_official))
    shaomi_cun = ensure_jurisdiction("520204104001")
    shaomi = Jurisdiction.objects.get(code="520204104000")
    page = client.get(reverse("admin:orgs_jurisdiction_change", args=[shaomi_cun.pk]))
    assert page.context["has_change_permission"] is True
    page = client.get(reverse("admin:orgs_jurisdiction_change", args=[shaomi.pk]))
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    response = client.post(reverse("admin:orgs_jurisdiction_change", args=[shaomi_cun.pk]), {
        "code": shaomi_cun.code, "name": "勺米村（改）", "parent": shaomi.pk, "level": 3, "kind": "村",
        "is_active": "on", "is_demo": "on", "source": "x",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    shaomi_cun.refresh_from_db()
    assert shaomi_cun.name == "勺米村（改）"
    entry = AuditEntry.objects.filter(event_type=AuditEvent.JURISDICTION_CHANGED, action="admin_change").get()
    assert entry.actor_id == township_official.pk and entry.after == {"fields": ["name", "source"]}


@pytest.mark.django_db
def test_admin_rejects_village_code_outside_the_township_range(client, superuser):
    client.force_login(superuser)
    shaomi = Jurisdiction.objects.get(code="520204104000")
    response = client.post(reverse("admin:orgs_jurisdiction_add"), {
        "code": "520204110009", "name": "错村", "parent": shaomi.pk, "level": 3, "kind": "村", "is_active": "on",
    })
    assert response.status_code == 200
    assert "前 9 位" in str(response.context["adminform"].form.errors["code"])
    assert not Jurisdiction.objects.filter(code="520204110009").exists()


@pytest.mark.django_db
def test_admin_rejects_malformed_permission_rows(client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("admin:orgs_objectpermission_add"), {
        "name": "bad", "object_types": '["orgs.agency"]', "actions": '["view"]',
        "constraints": '[{"no_such_field": "$agency"}]', "enabled": "on",
    })
    assert response.status_code == 200
    assert "no_such_field" in str(response.context["adminform"].form.errors)
    assert not ObjectPermission.objects.filter(name="bad").exists()


@pytest.mark.django_db
def test_user_list_masks_id_numbers(client, superuser, make_user):
    make_user("justice_staff", "jo-520204104", username="withid", id_number="52020419900101123X".replace("X", "8"))
    client.force_login(superuser)
    html = client.get(reverse("admin:orgs_user_changelist")).content.decode()
    assert "520204********1238" in html
    assert "520204199001011238" not in html


@pytest.mark.django_db
def test_admin_token_creation_shows_key_once_and_stores_hash(client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("admin:orgs_apitoken_add"), {
        "user": superuser.pk, "name": "设备", "scopes": ["read", "devices"],
    }, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(name="设备")
    shown = [str(m) for m in response.context["messages"]]
    key = next(m.split("：", 1)[1] for m in shown if token.prefix in m)
    assert key.startswith(token.prefix + ".") and key.split(".", 1)[1] not in token.key_hash
    assert AuditEntry.objects.filter(event_type=AuditEvent.TOKEN_CREATED, object_id=str(token.pk)).exists()
    page = client.get(reverse("admin:orgs_apitoken_change", args=[token.pk])).content.decode()
    assert key not in page


@pytest.mark.django_db
def test_admin_user_change_stores_id_hash(client, superuser, make_user):
    user = make_user("judge", "court", username="judge_x")
    client.force_login(superuser)
    url = reverse("admin:orgs_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password", "roles", "groups", "user_permissions", "last_login", "date_joined")}
    data.update({"id_number": "11010519491231002x", "roles": [r.pk for r in user.roles.all()], "agency": user.agency_id})
    data = {k: v for k, v in data.items() if not isinstance(v, bool) or v}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(pk=user.pk)
    assert user.id_number == "11010519491231002X"
    from pingan.core.crypto import blind_index

    assert user.id_number_hash == blind_index("11010519491231002X")

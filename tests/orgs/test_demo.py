import io

import pytest
from django.core.management import call_command

from pingan.core.models import AuditEntry
from pingan.orgs.demo import demo_password, load
from pingan.orgs.models import Agency, Jurisdiction, Role, User


def run_demo() -> str:
    """The whole `pingan demo` (every app's loader); tests of the org chart alone call load()."""
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_twice_is_idempotent_and_prints_the_same_logins():
    first = run_demo()
    counts = (Jurisdiction.objects.count(), Agency.objects.count(), User.objects.count(), AuditEntry.objects.count())
    second = run_demo()
    # Loaders may report what they added; the login table must be the same.
    assert second.split("演示账号：")[1] == first.split("演示账号：")[1]
    assert (Jurisdiction.objects.count(), Agency.objects.count(), User.objects.count(),
            AuditEntry.objects.count()) == counts

    # A user for every role, each able to log in with the printed password.
    roles_with_users = set(Role.objects.filter(users__is_demo=True).values_list("code", flat=True))
    assert roles_with_users == set(Role.objects.values_list("code", flat=True))
    clerk = User.objects.get(username="court_clerk")
    assert clerk.check_password(demo_password("court_clerk"))
    assert demo_password("court_clerk") in first
    assert "village_mediator_shaomi" in first and "勺米村人民调解委员会" in first


@pytest.mark.django_db
def test_demo_builds_a_realistic_district():
    load()
    shaomi_cun = Jurisdiction.objects.get(name="勺米村")
    assert shaomi_cun.code == "520204104001" and shaomi_cun.is_demo
    assert shaomi_cun.parent.code == "520204104000" and shaomi_cun.level == Jurisdiction.Level.VILLAGE
    group = Jurisdiction.objects.get(code="520204104001001")
    assert group.path == "520204000000/520204104000/520204104001/520204104001001/"
    # Seeded divisions are not demo data; generated villages are.
    assert not Jurisdiction.objects.filter(level__lte=2, is_demo=True).exists()
    assert not Jurisdiction.objects.filter(level__gte=3, is_demo=False).exists()

    kinds = set(Agency.objects.values_list("kind", flat=True))
    assert kinds == {k for k, _label in Agency.Kind.choices} - {"department"}
    tiers = set(Agency.objects.filter(kind="mediation_committee").values_list("tier", flat=True))
    assert tiers == {"village", "township", "enterprise", "professional"}
    # One 司法所 per current township/street, none for the revoked ones.
    assert Agency.objects.filter(kind="justice_office").count() == 30
    assert Agency.objects.get(code="jo-520204104").name == "勺米镇司法所"
    assert not Agency.objects.filter(code="jo-520204600").exists()
    assert Agency.objects.get(code="vpo-shaomi-cun").path == "police/ps-shaomi/vpo-shaomi-cun/"


@pytest.mark.django_db
def test_demo_restores_a_changed_demo_password():
    load()
    user = User.objects.get(username="judge")
    user.set_password("something-else-entirely")
    user.save()
    load()
    user.refresh_from_db()
    assert user.check_password(demo_password("judge"))


def test_demo_registry_orders_loaders_by_dependency(monkeypatch):
    from pingan.core import demo as registry

    monkeypatch.setattr(registry, "_LOADERS", {})
    calls = []
    registry.register("b", lambda *, stdout: calls.append("b"), after=["a"])
    registry.register("a", lambda *, stdout: calls.append("a") or [registry.DemoLogin("u", "r", "x", "p")])
    assert registry.run_all() == [registry.DemoLogin("u", "r", "x", "p")]
    assert calls == ["a", "b"]
    registry.register("a", lambda *, stdout: None, after=["b"])
    with pytest.raises(ValueError, match="cycle"):
        registry.loaders()
    registry.register("a", lambda *, stdout: None)
    registry.register("c", lambda *, stdout: None, after=["missing"])
    with pytest.raises(ValueError, match="unknown"):
        registry.loaders()


def test_login_table_aligns_chinese_text():
    from pingan.core.demo import DemoLogin
    from pingan.core.management.commands.demo import format_logins

    table = format_logins([DemoLogin("judge", "法官", "董地人民法庭", "pw1"), DemoLogin("a", "b", "c", "pw2")])
    lines = table.splitlines()
    assert lines[0].startswith("用户名") and set(lines[1]) <= {"-", " "}
    # The password column starts at the same display column on every row (CJK counts double).
    from pingan.core.management.commands.demo import _width

    assert _width(lines[2][: lines[2].index("pw1")]) == _width(lines[3][: lines[3].index("pw2")])


def test_demo_prints_an_account_named_by_two_loaders_once(monkeypatch):
    from pingan.core import demo as registry

    monkeypatch.setattr(registry, "_LOADERS", {})
    first = registry.DemoLogin("prosecutor", "检察官", "检察院", "p")
    registry.register("a", lambda *, stdout: [first])
    registry.register("b", lambda *, stdout: [registry.DemoLogin("prosecutor", "检察官", "检察院", "p"),
                                              registry.DemoLogin("partner", "协作单位", "交警大队", "q")],
                      after=["a"])
    assert [login.username for login in registry.run_all()] == ["prosecutor", "partner"]

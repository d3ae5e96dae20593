"""The rule engine: the condition language on plain dicts (no database), versioned rule sets,
the explain API and the admin."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from pingan.core.models import AuditEntry, RuleSet
from pingan.core.rules import (
    OPERATORS,
    RuleSetNotFound,
    active_ruleset,
    check,
    condition_errors,
    evaluate,
    evaluate_rules,
    holds,
    resolve,
    save_ruleset,
    validate_condition,
    validate_ruleset,
)

RECORD = {
    "facts": {"amount": 12000, "kind": "土地纠纷", "note": "Boundary Wall"},
    "parties": [{"name": "张三", "age": 70}, {"name": "李四", "age": 35}],
    "tags": ["群体性", "涉老"],
    "empty": [],
}


# --- the condition language (no database) ----------------------------------------------------


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        ({"attr": "facts.amount", "op": "eq", "value": 12000}, True),
        ({"attr": "facts.amount", "op": "ne", "value": 12000}, False),
        ({"attr": "facts.kind", "op": "in", "value": ["土地纠纷", "婚姻家庭"]}, True),
        ({"attr": "facts.kind", "op": "not_in", "value": ["土地纠纷"]}, False),
        ({"attr": "facts.amount", "op": "gt", "value": 10000}, True),
        ({"attr": "facts.amount", "op": "gte", "value": 12000}, True),
        ({"attr": "facts.amount", "op": "lt", "value": 12000}, False),
        ({"attr": "facts.amount", "op": "lte", "value": 12000}, True),
        ({"attr": "tags", "op": "contains", "value": "涉老"}, True),
        ({"attr": "facts.note", "op": "contains", "value": "wall"}, False),
        ({"attr": "facts.note", "op": "icontains", "value": "wall"}, True),
        ({"attr": "facts.note", "op": "regex", "value": r"^Bound\w+"}, True),
        ({"attr": "facts.kind", "op": "startswith", "value": "土地"}, True),
        ({"attr": "facts.amount", "op": "between", "value": [10000, 12000]}, True),
        ({"attr": "facts.amount", "op": "between", "value": [0, 11999]}, False),
        ({"attr": "facts.missing", "op": "exists", "value": False}, True),
        ({"attr": "facts.amount", "op": "exists", "value": True}, True),
        ({"attr": "parties.count", "op": "gt", "value": 1}, True),
        ({"attr": "empty.count", "op": "eq", "value": 0}, True),
        ({"attr": "parties.0.name", "op": "eq", "value": "张三"}, True),
        ({"attr": "parties.-1.name", "op": "eq", "value": "李四"}, True),
        ({"attr": "parties.*.age", "op": "gte", "value": 65}, True),
        ({"attr": "parties.*.age", "op": "gte", "value": 65, "match": "all"}, False),
        ({"attr": "parties.*.age", "op": "gte", "value": 18, "match": "all"}, True),
        ({"attr": "empty.*.age", "op": "gte", "value": 18, "match": "all"}, False),
        # a missing attribute never satisfies a comparison, not even ne
        ({"attr": "facts.nothing", "op": "ne", "value": 1}, False),
        # a string and a number cannot be ordered: false, not an error
        ({"attr": "facts.kind", "op": "gt", "value": 5}, False),
        ({"all": [{"attr": "facts.amount", "op": "gt", "value": 1}, {"attr": "tags", "op": "contains", "value": "涉老"}]}, True),
        ({"any": [{"attr": "facts.amount", "op": "lt", "value": 1}, {"attr": "tags", "op": "contains", "value": "涉老"}]}, True),
        ({"not": {"attr": "facts.amount", "op": "lt", "value": 1}}, True),
    ],
)
def test_operators(cond, expected):
    validate_condition(cond)
    assert holds(cond, RECORD) is expected


def test_resolve_paths():
    assert resolve(RECORD, "parties.*.name") == (["张三", "李四"], True)
    assert resolve(RECORD, "facts.amount") == ([12000], False)
    assert resolve(RECORD, "parties.5.name") == ([], False)
    assert resolve({"count": 7, "xs": [1, 2]}, "count") == ([7], False)  # a real key wins


def test_validation_message_has_path_and_choices():
    rules = [
        {"id": "a", "when": {"attr": "x", "op": "eq", "value": 1}, "then": "blue"},
        {"id": "b", "when": {"attr": "x", "op": "eq", "value": 1}, "then": "blue"},
        {"id": "c", "when": {"all": [{"attr": "x", "op": "eq", "value": 1}, {"attr": "x", "op": "gtt", "value": 5}]}, "then": "red"},
    ]
    with pytest.raises(ValidationError) as exc:
        validate_ruleset(rules=rules, mode="first")
    messages = exc.value.message_dict["rules"]
    assert len(messages) == 1
    assert messages[0].startswith('rules[2].when.all[1].op: 未知运算符 "gtt"，可用：')
    for op in OPERATORS:
        assert op in messages[0]


@pytest.mark.parametrize(
    ("cond", "fragment"),
    [
        ({"attr": "x", "op": "regex", "value": "(unclosed"}, "when.value: 正则表达式无效"),
        ({"attr": "x", "op": "in", "value": "abc"}, "when.value: 运算符 in 的值须为列表"),
        ({"attr": "x", "op": "between", "value": [1]}, "between 的值须为"),
        ({"attr": "x", "op": "exists", "value": "yes"}, "exists 的值须为 true 或 false"),
        ({"attr": "", "op": "eq", "value": 1}, "when.attr: 须为非空的属性路径"),
        ({"attr": "a..b", "op": "eq", "value": 1}, "when.attr"),
        ({"attr": "x", "op": "eq"}, "when.value: 运算符 eq 需要 value"),
        ({"attr": "x", "op": "eq", "value": 1, "negate": True}, 'when: 未知的键 "negate"'),
        ({"all": []}, "when.all: 须为非空的条件列表"),
        ({"all": [{"attr": "x", "op": "eq", "value": 1}], "any": []}, "须单独成一个对象"),
        ({"not": "x"}, "when.not: 条件须为非空对象"),
        ([], "when: 条件须为非空对象"),
        ({"attr": "x", "op": "eq", "value": 1, "match": "some"}, 'when.match: 须为 "any" 或 "all"'),
    ],
)
def test_invalid_conditions_are_refused(cond, fragment):
    errors = condition_errors(cond)
    assert errors, cond
    assert any(fragment in e for e in errors), errors


def test_rule_shape_errors():
    errors = []
    with pytest.raises(ValidationError) as exc:
        validate_ruleset(rules=[{"when": {"attr": "x", "op": "eq", "value": 1}}, "x"], mode="sometimes")
    errors = exc.value.message_dict
    assert "mode" in errors
    assert any("rules[0].id" in m for m in errors["rules"])
    assert any("rules[0].then: 缺少结果" in m for m in errors["rules"])
    assert any("rules[1]: 规则须为对象" in m for m in errors["rules"])


def test_first_and_all_modes_and_explanation():
    rules = [
        {"id": "old", "name": "当事人年迈", "when": {"attr": "parties.*.age", "op": "gte", "value": 65}, "then": "yellow"},
        {"id": "big", "name": "金额大", "when": {"attr": "facts.amount", "op": "gt", "value": 10000}, "then": "red"},
        {"id": "never", "when": {"attr": "facts.amount", "op": "lt", "value": 0}, "then": "blue"},
    ]
    first = evaluate_rules(key="grading", version=3, mode="first", rules=rules, default="blue", record=RECORD)
    assert first.result == "yellow"
    assert [f.id for f in first.fired] == ["old"]
    assert [rid for rid, _ in first.traces] == ["old"]  # stops at the first hit
    text = "\n".join(first.explanation)
    assert "grading 第 3 版" in text
    assert "parties.*.age（任一） 大于或等于 65；实际值 [70, 35]" in text

    every = evaluate_rules(key="grading", version=3, mode="all", rules=rules, default="blue", record=RECORD)
    assert every.result == ["yellow", "red"]
    assert "facts.amount 小于 0；实际值 12000" in "\n".join(every.explanation)

    none = evaluate_rules(key="grading", version=3, mode="first", rules=rules[2:], default="blue", record=RECORD)
    assert none.used_default and none.result == "blue"
    assert "没有规则命中" in none.explanation[-1]


def test_trace_shows_missing_values():
    trace = check({"attr": "facts.nothing", "op": "eq", "value": 1}, RECORD)
    assert not trace.held
    assert "（缺失）" in trace.text


# --- properties -----------------------------------------------------------------------------

scalars = st.one_of(st.integers(-1000, 1000), st.text(max_size=5), st.booleans(), st.none())
records = st.fixed_dictionaries({"a": scalars, "b": st.lists(scalars, max_size=4)})
leaves = st.one_of(
    st.builds(lambda op, v: {"attr": "a", "op": op, "value": v}, st.sampled_from(["eq", "ne", "gt", "lt", "gte", "lte"]), st.integers(-1000, 1000)),
    st.builds(lambda v: {"attr": "b", "op": "contains", "value": v}, scalars),
    st.builds(lambda v: {"attr": "b.*", "op": "eq", "value": v}, scalars),
    st.builds(lambda vs: {"attr": "a", "op": "in", "value": vs}, st.lists(scalars, max_size=3)),
)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(cond=conditions, record=records)
def test_not_inverts_and_groups_agree_with_python(cond, record):
    validate_condition(cond)
    value = holds(cond, record)
    assert holds({"not": cond}, record) is (not value)
    assert holds({"all": [cond, cond]}, record) is value
    assert holds({"any": [cond, {"not": cond}]}, record) is True


@settings(max_examples=200, deadline=None)
@given(low=st.integers(-50, 50), high=st.integers(-50, 50), x=st.integers(-60, 60))
def test_between_is_gte_and_lte(low, high, x):
    record = {"x": x}
    between = holds({"attr": "x", "op": "between", "value": [low, high]}, record)
    both = holds({"all": [{"attr": "x", "op": "gte", "value": low}, {"attr": "x", "op": "lte", "value": high}]}, record)
    assert between is both is (low <= x <= high)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["all", "any", "not", "attr", "op", "value", "match", "x"]), inner, max_size=4)),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(cond=json_values)
def test_validation_never_crashes_and_valid_means_evaluable(cond):
    try:
        validate_condition(cond)
    except ValidationError as exc:
        assert all(m.startswith("when") for m in exc.messages)
        return
    holds(cond, RECORD)  # anything that validates evaluates without raising


# --- versioned rule sets (database) ---------------------------------------------------------

RULES_V1 = [{"id": "big", "when": {"attr": "amount", "op": "gt", "value": 100}, "then": "red"}]
RULES_V2 = [{"id": "big", "when": {"attr": "amount", "op": "gt", "value": 50}, "then": "red"}]


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(username="rules-admin", password="x" * 12)


@pytest.mark.django_db
def test_save_ruleset_adds_versions_and_audits(admin_user):
    v1 = save_ruleset(key="grading", rules=RULES_V1, default="blue", mode="first", by=admin_user, note="初版", source="区综治办 2024-1 号")
    v2 = save_ruleset(key="grading", rules=RULES_V2, default="blue", mode="first", by=admin_user, note="降低阈值", source="区综治办 2024-7 号")
    assert (v1.version, v2.version) == (1, 2)
    v1.refresh_from_db()
    assert v1.is_active is False and v1.rules == RULES_V1  # old row kept as it was
    assert active_ruleset("grading") == v2
    assert evaluate("grading", {"amount": 80}).result == "red"
    assert evaluate(v1, {"amount": 80}).result == "blue"
    entries = AuditEntry.objects.filter(object_type="core.ruleset", action="ruleset.save").order_by("seq")
    assert [e.after["version"] for e in entries] == [1, 2]
    assert entries.last().before == {"deactivated_versions": [1]}
    assert entries.last().reason == "降低阈值"


@pytest.mark.django_db
def test_invalid_ruleset_writes_nothing(admin_user):
    bad = [{"id": "x", "when": {"attr": "a", "op": "regex", "value": "["}, "then": 1}]
    audit_before = AuditEntry.objects.count()  # domain apps seed their own rule sets; count ours
    with pytest.raises(ValidationError) as exc:
        save_ruleset(key="grading", rules=bad, default=None, mode="first", by=admin_user, note="", source="")
    assert "rules[0].when.value: 正则表达式无效" in exc.value.message_dict["rules"][0]
    assert not RuleSet.objects.filter(key="grading").exists()
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.django_db
def test_scheduled_version_takes_over_at_its_time(admin_user):
    now = timezone.now()
    v1 = save_ruleset(key="routing", rules=RULES_V1, default="village", mode="first", by=admin_user, note="", source="")
    v2 = save_ruleset(key="routing", rules=RULES_V2, default="township", mode="first", by=admin_user, note="", source="", valid_from=now + timedelta(days=30))
    v1.refresh_from_db()
    assert v1.is_active  # still in force until v2's day
    assert active_ruleset("routing") == v1
    assert active_ruleset("routing", at=now + timedelta(days=31)) == v2
    with pytest.raises(RuleSetNotFound):
        active_ruleset("routing", at=now - timedelta(days=1))
    with pytest.raises(RuleSetNotFound):
        active_ruleset("no-such-key")


# --- API --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_explain_api(client, admin_user):
    save_ruleset(key="grading", rules=RULES_V1, default="blue", mode="first", by=admin_user, note="", source="")
    save_ruleset(key="grading", rules=RULES_V2, default="blue", mode="first", by=admin_user, note="", source="")
    client.force_login(admin_user)
    r = client.post("/api/v1/core/rulesets/grading/explain", {"record": {"amount": 80}}, content_type="application/json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["version"] == 2 and body["result"] == "red"
    assert body["fired"][0]["id"] == "big"
    assert any("amount 大于 50；实际值 80" in line for line in body["explanation"])

    r = client.post("/api/v1/core/rulesets/grading/explain", {"record": {"amount": 80}, "version": 1}, content_type="application/json")
    assert r.json()["result"] == "blue"

    r = client.post("/api/v1/core/rulesets/grading/explain", {"record": {}, "extra": 1}, content_type="application/json")
    assert r.status_code == 422
    assert "extra" in r.json()["errors"]

    r = client.post("/api/v1/core/rulesets/nothing/explain", {"record": {}}, content_type="application/json")
    assert r.status_code == 404

    r = client.get("/api/v1/core/rulesets?key=grading")
    assert r.status_code == 200
    assert [row["version"] for row in r.json()["items"]] == [2, 1]
    assert r.json()["items"][0]["rules_count"] == 1


@pytest.mark.django_db
def test_ruleset_api_is_restricted(client, admin_user, django_user_model):
    from pingan.orgs.models import ObjectPermission, Role

    save_ruleset(key="grading", rules=RULES_V1, default="blue", mode="first", by=admin_user, note="", source="")
    plain = django_user_model.objects.create_user(username="plain", password="x" * 12)
    client.force_login(plain)
    assert client.get("/api/v1/core/rulesets").json()["count"] == 0
    r = client.post("/api/v1/core/rulesets/grading/explain", {"record": {}}, content_type="application/json")
    assert r.status_code == 404

    role = Role.objects.create(code="rules-reader", name="规则查看")
    perm = ObjectPermission.objects.create(name="rules-reader-view", object_types=["core.ruleset"], actions=["view"])
    perm.roles.add(role)
    plain.roles.add(role)
    client.force_login(plain)
    # Domain apps ship their own rule sets too; this one is the test's.
    assert client.get("/api/v1/core/rulesets?key=grading").json()["count"] == 1
    r = client.post("/api/v1/core/rulesets/grading/explain", {"record": {"amount": 500}}, content_type="application/json")
    assert r.status_code == 200 and r.json()["result"] == "red"


# --- admin ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_save_creates_a_version_and_shows_errors(client, admin_user):
    import json

    v1 = save_ruleset(key="grading", rules=RULES_V1, default="blue", mode="first", by=admin_user, note="", source="")
    client.force_login(admin_user)
    url = f"/admin/core/ruleset/{v1.pk}/change/"
    assert client.get(url).status_code == 200
    form = {
        "name": "分级", "mode": "first", "rules": json.dumps(RULES_V2), "default": json.dumps("blue"),
        "valid_from_0": timezone.localtime(v1.valid_from).strftime("%Y-%m-%d"),
        "valid_from_1": timezone.localtime(v1.valid_from).strftime("%H:%M:%S"),
        "source": "", "note": "放宽",
    }
    r = client.post(url, form)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert list(RuleSet.objects.filter(key="grading").values_list("version", "is_active")) == [(2, True), (1, False)]
    assert RuleSet.objects.get(key="grading", version=1).rules == RULES_V1

    bad = dict(form, rules=json.dumps([{"id": "x", "when": {"attr": "a", "op": "gtt", "value": 1}, "then": 1}]))
    r = client.post(url, bad)
    assert r.status_code == 200
    assert "rules[0].when.op: 未知运算符" in r.content.decode()
    assert RuleSet.objects.filter(key="grading").count() == 2


@pytest.mark.django_db
def test_load_ruleset_file_writes_version_one_once(tmp_path):
    from django.db.migrations.state import ProjectState

    from pingan.core.rules import load_ruleset_file

    shipped = {"key": "test.shipped", "name": "样例", "mode": "first", "rules": RULES_V1, "default": "blue",
               "note": "", "source": "x" * 400}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(shipped, ensure_ascii=False), "utf-8")
    load_ruleset_file(path)
    load_ruleset_file(path)  # the key has a version: left as it is
    rs = RuleSet.objects.get(key="test.shipped")
    assert (rs.version, rs.is_active, rs.rules, len(rs.source)) == (1, True, RULES_V1, 300)
    assert AuditEntry.objects.filter(action="ruleset.save").count() == 1
    # a migration's historical models: the same row, validated, not audited
    historical = ProjectState.from_apps(django_apps).apps
    path.write_text(json.dumps(dict(shipped, key="test.migrated")), "utf-8")
    load_ruleset_file(path, apps=historical)
    assert RuleSet.objects.filter(key="test.migrated", version=1, is_active=True).exists()
    assert AuditEntry.objects.filter(action="ruleset.save").count() == 1
    path.write_text(json.dumps(dict(shipped, key="test.bad", mode="nonsense")), "utf-8")
    with pytest.raises(ValidationError):
        load_ruleset_file(path, apps=historical)
    assert not RuleSet.objects.filter(key="test.bad").exists()

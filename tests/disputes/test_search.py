from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.disputes import bulk, ledger, selectors, services
from pingan.disputes.models import Dispute, SearchToken

from .conftest import dispute_data, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the ledger import keeps its upload


def test_chinese_substring_search_across_title_facts_parties_and_refs(org, categories):
    d = services.create_dispute(
        data=dispute_data(org, categories, title="宅基地纠纷", facts="因修建猪圈占用公共通道引发争执", external_ref="TZ-2023-017"),
        parties=[person("欧阳明华"), person("贵州某某建材有限公司", role="respondent", kind="organisation")],
        by=None, source="excel",
    )
    services.create_dispute(data=dispute_data(org, categories, title="其他"), parties=[person("王五")], by=None, source="web")
    for q in ("猪圈", "公共通道", "欧阳", "明华", "建材有限", "tz-2023-017", "TZ-2023"):
        found = list(selectors.dispute_list(user=org.district_leader, filters=selectors.DisputeFilters(q=q)))
        assert found == [d], q
    assert not selectors.dispute_list(user=org.district_leader, filters=selectors.DisputeFilters(q="猪 圈")).exists()


def _found(org, q: str) -> list[int]:
    qs = selectors.dispute_list(user=org.district_leader, filters=selectors.DisputeFilters(q=q))
    return sorted(qs.values_list("pk", flat=True))


def _plain(q: str) -> list[int]:
    """What search meant before the token table: a substring of the case-folded search text,
    as the database's icontains and as Python's `in`."""
    by_db = sorted(Dispute.objects.filter(search_text__icontains=q.strip()).values_list("pk", flat=True))
    by_python = sorted(pk for pk, text in Dispute.objects.values_list("pk", "search_text")
                       if q.strip().casefold() in text)
    assert by_db == by_python, q
    return by_python


QUERIES = (
    # one character, two (a word without a trigram), three and more, numbers, mixed, ASCII case
    "邻", "欠", "圈", "龚", "邻里", "欠薪", "猪圈", "里纠", "无此", "欧阳明", "公共通道", "拖欠工资三个月",
    "4242", "424", "42", "2024", "第4242号", "(2024)黔0204民初", "民初123", "tz-2023", "TZ-2023-017", "tz",
    "z", "-", "号", "张三", "某某公司", "ABC公司", "abc", "第", "4", "邻里 纠纷", " 邻里 ",
)


def _corpus(org, categories):
    texts = [
        ("宅基地纠纷", "因修建猪圈占用公共通道引发争执", "TZ-2023-017", ["欧阳明华", "龚某"]),
        ("邻里纠纷", "邻里之间因噪音发生口角", "", ["张三", "李四"]),
        ("欠薪纠纷", "某某公司拖欠工资三个月，第4242号台账", "L-4242", ["王五"]),
        ("合同纠纷", "(2024)黔0204民初123号 ABC公司欠款", "", ["ABC公司"]),
        ("其他", "第42号：双方因邻界发生争执", "X2024", ["赵六"]),
        ("邻里 纠纷", "张三家的树枝伸到李四院内", "", ["张三"]),
    ]
    return [services.create_dispute(
        data=dispute_data(org, categories, title=title, facts=facts, external_ref=ref),
        parties=[person(name) for name in names], by=None, source="excel") for title, facts, ref, names in texts]


def test_search_finds_exactly_what_a_substring_match_finds(org, categories):
    _corpus(org, categories)
    for q in QUERIES:
        assert _found(org, q) == _plain(q), q
        # The pager's count, for a search alone read from the tokens (1–2 characters), with
        # another filter through the disputes, and as a user with a scope.
        for user, extra in ((org.district_leader, {}), (org.district_leader, {"category": "neighbours"}),
                            (org.village_mediator_a, {})):
            qs = selectors.dispute_list(user=user, filters=selectors.DisputeFilters(q=q, **extra))
            assert qs.count() == len(list(qs)) == qs.filter().count(), (q, extra)
    with CaptureQueriesContext(connection) as ctx:
        n = selectors.dispute_list(user=org.district_leader, filters=selectors.DisputeFilters(q="邻里")).count()
    assert n == len(_plain("邻里")) == 2 and "disputes_dispute" not in ctx.captured_queries[-1]["sql"]
    assert _found(org, "邻里") and _found(org, "4242") and _found(org, "ABC公司")


def test_search_of_a_common_token_probes_it_per_dispute(org, categories, monkeypatch):
    """A token held by many disputes is probed per dispute (EXISTS) instead of driving the
    query: the same rows and counts. Lowering the threshold makes every token common here."""
    from pingan.disputes import search

    _corpus(org, categories)
    monkeypatch.setattr(search, "_PROBE_CAP", 1)
    assert "EXISTS" in str(Dispute.objects.filter(search.match_q("邻里")).query)
    for q in QUERIES:
        assert _found(org, q) == _plain(q), q
        qs = selectors.dispute_list(user=org.village_mediator_a, filters=selectors.DisputeFilters(q=q))
        assert qs.count() == len(list(qs)), q


def test_search_follows_edits_parties_imports_and_deletes(org, categories):
    from .test_ledger import row, xlsx

    first, second, *_rest = _corpus(org, categories)
    services.update_dispute(dispute=first, data={"facts": "因修建鸡舍占用通道引发争执"}, by=None)
    services.add_party(dispute=second, data=person("上官婉儿"), by=None)
    services.update_dispute(dispute=second, data={}, parties=[person("司马光")], by=None)
    # Both Excel paths: the dispute ledger import (intake) and a historical bulk import.
    job = ledger.preview(upload=xlsx([row("IMP-9", title="山林纠纷", facts="争执林地四至第7788号", p1="龚二")]),
                         by=org.village_mediator_a)
    job = ledger.start(job=job, mode="valid")
    assert job.status == "done" and job.rows_created == 1
    item = bulk.BulkDispute(data=dispute_data(org, categories, title="历史纠纷", facts="旧台账记载邻里漏水", external_ref="H-1"),
                            parties=[person("钱七")], state="closed")
    bulk.import_disputes(items=[item], by=None, source="court", reason="历史台账")
    for q in ("猪圈", "鸡舍", "上官", "司马光", "张三", "7788", "第7788号", "龚", "龚二", "漏水", "邻里", "钱七",
              *QUERIES):
        assert _found(org, q) == _plain(q), q
    assert _found(org, "猪圈") == [] and _found(org, "鸡舍") == [first.pk] and _found(org, "张三") != []
    assert _found(org, "司马光") == [second.pk] and _found(org, "上官") == []
    assert len(_found(org, "第7788号")) == 1 and len(_found(org, "漏水")) == 1
    first.delete()
    assert not SearchToken.objects.filter(dispute_id=first.pk).exists()
    assert _found(org, "鸡舍") == []


def test_search_reads_the_token_table_through_its_key(org, categories):
    _corpus(org, categories)
    for q in ("邻", "邻里", "公共通道"):
        qs = Dispute.objects.filter(selectors.search_q(q)).order_by()
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("SET LOCAL enable_seqscan = off")
                cur.execute("EXPLAIN " + sql, params)
                plan = "\n".join(r[0] for r in cur.fetchall())
                assert "disputes_searchtoken_pkey" in plan, plan
            else:
                cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = "\n".join(str(r[-1]) for r in cur.fetchall())
                assert "USING COVERING INDEX sqlite_autoindex_disputes_searchtoken_1" in plan, plan

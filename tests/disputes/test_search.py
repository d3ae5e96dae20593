from __future__ import annotations

import pytest
from django.db import connection

from pingan.disputes import selectors, services
from pingan.disputes.models import Dispute

from .conftest import dispute_data, person

pytestmark = pytest.mark.django_db


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


def test_search_uses_the_trigram_index_on_postgresql(org, categories):
    services.create_dispute(data=dispute_data(org, categories), parties=[person("欧阳明华")], by=None, source="web")
    # Without ORDER BY: otherwise, once the table has rows from other tests, the planner may walk
    # the received_at index backwards to avoid a sort and filter row by row.
    qs = Dispute.objects.filter(selectors.search_q("欧阳明华")).order_by()
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'disputes_dispute_search_trgm'")
            assert "gin_trgm_ops" in cur.fetchone()[0]
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN " + sql, params)
            plan = "\n".join(r[0] for r in cur.fetchall())
            assert "disputes_dispute_search_trgm" in plan, plan
        else:
            # SQLite has no trigram index: the same LIKE query scans, and still finds the row.
            cur.execute(sql, params)
            assert len(cur.fetchall()) == 1

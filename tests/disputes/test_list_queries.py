"""The disputes list: the received-date filter counts Asia/Shanghai calendar days through an
instant range (so an index serves it), and the list and detail pages run a fixed number of SQL
queries however many rows or parties they show (no N+1)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pingan.disputes import selectors, services
from pingan.disputes.models import Dispute

from .conftest import dispute_data, mediating_dispute, person

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def received(org, categories, title: str, at: dt.datetime, **kw) -> Dispute:
    d = services.create_dispute(data=dispute_data(org, categories, title=title, **kw), parties=[person("张三")],
                                by=None, source="web")
    Dispute.objects.filter(pk=d.pk).update(received_at=at)
    return d


def titles(user, **filters) -> set[str]:
    return set(selectors.dispute_list(user=user, filters=selectors.DisputeFilters(**filters))
               .values_list("title", flat=True))


def test_received_dates_are_shanghai_days_at_both_ends(org, categories):
    # 2025-03-01 00:00 in Shanghai is 2025-02-28 16:00 UTC: in March locally, February in UTC.
    at = {
        "before": dt.datetime(2025, 2, 28, 23, 59, 59, 999999, tzinfo=SHANGHAI),
        "first": dt.datetime(2025, 3, 1, 0, 0, tzinfo=SHANGHAI),
        "last": dt.datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=SHANGHAI),
        "after": dt.datetime(2025, 4, 1, 0, 0, tzinfo=SHANGHAI),
        "utc_march_local_april": dt.datetime(2025, 3, 31, 16, 30, tzinfo=dt.UTC),
    }
    for title, moment in at.items():
        received(org, categories, title, moment)
    leader = org.district_leader
    march = {"received_from": dt.date(2025, 3, 1), "received_to": dt.date(2025, 3, 31)}
    assert titles(leader, **march) == {"first", "last"}
    assert titles(leader, received_from=dt.date(2025, 4, 1)) == {"after", "utc_march_local_april"}
    assert titles(leader, received_to=dt.date(2025, 2, 28)) == {"before"}
    one_day = {"received_from": dt.date(2025, 3, 1), "received_to": dt.date(2025, 3, 1)}
    assert titles(leader, **one_day) == {"first"}
    # The page and the API take the same local dates.
    body = client_for(leader).get(reverse("disputes:list"), {"received_from": "2025-03-01",
                                                             "received_to": "2025-03-31"}).content.decode()
    assert ">first<" in body and ">last<" in body and ">before<" not in body and ">after<" not in body
    r = client_for(leader).get("/api/v1/disputes/", {"received_from": "2025-04-01", "received_to": "2025-04-01"})
    assert r.status_code == 200, r.content
    assert {row["title"] for row in r.json()["items"]} == {"after", "utc_march_local_april"}


def test_received_date_filter_compares_the_column_itself(org, categories):
    """No per-row time-zone conversion of received_at (that would stop the indexes from serving)."""
    qs = selectors.dispute_list(user=org.district_leader, filters=selectors.DisputeFilters(
        received_from=dt.date(2025, 1, 1), received_to=dt.date(2025, 12, 31)))
    sql = str(qs.query).upper()
    assert "AT TIME ZONE" not in sql and "DJANGO_DATETIME_CAST_DATE" not in sql, sql
    assert titles(org.district_leader, received_to=dt.date.max) == set()  # the last day does not overflow


def test_list_page_queries_do_not_grow_with_rows(org, categories):
    leader = client_for(org.district_leader)
    url = reverse("disputes:list")
    places = [org.village_a, org.village_b, org.village_c]
    cats = list(categories.values())

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = leader.get(url, {"q": "纠纷"})
        assert r.status_code == 200
        return len(ctx.captured_queries)

    for i in range(2):
        received(org, categories, f"纠纷{i}", dt.datetime(2025, 1, 1 + i, tzinfo=SHANGHAI))
    few = count_queries()
    for i in range(2, 30):
        received(org, categories, f"纠纷{i}", dt.datetime(2025, 1, 1 + i, tzinfo=SHANGHAI),
                 jurisdiction=places[i % 3], category=cats[i % len(cats)])
    assert count_queries() == few


def test_detail_page_queries_do_not_grow_with_parties(org, categories):
    """An agreed dispute shows every party with its signature state: one query, not one per party."""
    from .test_mediation import agreement_data

    mediator = client_for(org.village_mediator_a)

    def agreed(n: int) -> Dispute:
        d = mediating_dispute(org, categories, title=f"{n}方纠纷", parties=[
            person(f"当事人{i}", role="applicant" if i % 2 else "respondent") for i in range(n)])
        agreement = services.create_agreement(dispute=d, data=agreement_data(), by=org.village_mediator_a)
        services.sign_agreement(agreement=agreement, role="party", party=d.parties.first(), by=org.village_mediator_a)
        return d

    def count_queries(d: Dispute) -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = mediator.get(reverse("disputes:detail", args=[d.uuid]))
        assert r.status_code == 200
        assert r.content.decode().count("当事人") >= len(d.parties.all())
        return len(ctx.captured_queries)

    two, four = agreed(2), agreed(4)  # five or more would grade yellow and route elsewhere
    count_queries(two)  # warm the per-process caches (content types, settings)
    assert count_queries(four) == count_queries(two)


def test_duplicate_flags_show_only_candidates_the_user_may_see(org, categories):
    same = {"phone": "13800000009"}
    elsewhere = services.create_dispute(data=dispute_data(org, categories, jurisdiction=org.village_c, title="黄土坡"),
                                        parties=[person("王五", **same)], by=None, source="web")
    here = services.create_dispute(data=dispute_data(org, categories, title="勺米"), parties=[person("王五", **same)],
                                   by=None, source="web")
    assert [f.candidate for f in selectors.duplicate_flags(user=org.district_leader, dispute=here)] == [elsewhere]
    assert selectors.duplicate_flags(user=org.village_mediator_a, dispute=here) == []

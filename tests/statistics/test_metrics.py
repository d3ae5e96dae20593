"""Each metric on small hand-made data; periods in Asia/Shanghai; year on year with an imported
figure; drill-down; permission scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pingan.statistics import periods, registry, selectors
from pingan.statistics.models import HistoricalFigure

from .conftest import at, make_court_case, make_dispute, make_follow_up, make_outcome

pytestmark = pytest.mark.django_db


def value(user, key: str, *, period: str = "2022", jurisdiction=None, group_by=None) -> dict:
    ctx = selectors.context(user=user, period=period, jurisdiction=jurisdiction, group_by=group_by)
    return selectors.metric_value(user=user, key=key, ctx=ctx, group_by=group_by)


@pytest.fixture
def disputes_2022(world):
    """勺米村 ×2, 坪箐村 ×1 (both 勺米镇), 黄土坡社区 ×1 (双水街道), and one in 2021."""
    a = make_dispute(world.shaomi_cun, at(2022, 3, 1), grade="blue", source="web")
    b = make_dispute(world.shaomi_cun, at(2022, 5, 1), grade="yellow", source="police")
    c = make_dispute(world.pingqing, at(2022, 7, 1), grade="red", source="excel")
    d = make_dispute(world.huangtupo, at(2022, 9, 1), source="hotline")
    old = make_dispute(world.shaomi_cun, at(2021, 9, 1), grade="blue")
    make_outcome(a, "agreement", dt.date(2022, 3, 20))
    make_outcome(b, "performed", dt.date(2022, 5, 20))
    make_outcome(c, "failed", dt.date(2022, 8, 1))
    make_outcome(old, "agreement", dt.date(2021, 10, 1))
    make_follow_up(a, "satisfied", at(2022, 4, 1))
    make_follow_up(b, "dissatisfied", at(2022, 6, 1))
    return a, b, c, d


def test_dispute_figures_by_hand(world, disputes_2022):
    u = world.leader
    received = value(u, "disputes.received")
    assert received["value"] == 4 and received["source"] == "records"
    assert {b["key"]: b["value"] for b in received["breakdown"]} == {
        "web": 1, "api": 0, "excel": 1, "court": 0, "police": 1, "other": 1}
    graded = value(u, "disputes.graded")
    assert graded["value"] == 3
    assert [b["value"] for b in graded["breakdown"]] == [1, 1, 1]
    assert value(u, "disputes.mediated")["value"] == 3
    assert value(u, "disputes.succeeded")["value"] == 2
    assert value(u, "disputes.failed")["value"] == 1
    assert value(u, "disputes.success_rate")["value"] == Decimal("66.67")
    assert value(u, "disputes.followed_up")["value"] == 2
    assert value(u, "disputes.satisfaction_rate")["value"] == Decimal("50.00")
    assert value(u, "disputes.received", period="2021")["value"] == 1
    assert value(u, "disputes.success_rate", period="2021")["value"] == Decimal("100.00")


def test_routed_per_tier_counts_hand_overs(world, disputes_2022):
    from pingan.disputes.models import Routing

    a, b, c, _d = disputes_2022
    Routing.objects.create(dispute=a, tier="blue", lead_agency=world.committee, status="superseded",
                           routed_at=at(2022, 3, 2))
    Routing.objects.create(dispute=a, tier="yellow", lead_agency=world.committee, kind="escalate",
                           status="accepted", routed_at=at(2022, 3, 5))
    Routing.objects.create(dispute=c, tier="red", lead_agency=world.committee, status="pending",
                           routed_at=at(2023, 1, 2))
    routed = value(world.leader, "disputes.routed")
    assert routed["value"] == 2
    assert {b["key"]: b["value"] for b in routed["breakdown"]} == {"blue": 1, "yellow": 1, "red": 0}


def test_period_boundary_is_shanghai_midnight(world):
    make_dispute(world.shaomi_cun, at(2022, 12, 31, 23, 30))  # 15:30 UTC on the 31st
    make_dispute(world.shaomi_cun, at(2023, 1, 1, 0, 0))  # 16:00 UTC on 31 December
    assert value(world.leader, "disputes.received", period="2022")["value"] == 1
    assert value(world.leader, "disputes.received", period="2023")["value"] == 1
    assert value(world.leader, "disputes.received", period="2022-12")["value"] == 1
    assert value(world.leader, "disputes.received", period="2022-Q4")["value"] == 1
    assert value(world.leader, "disputes.received", period="2023-01")["value"] == 1


def test_period_parsing():
    assert periods.parse_named("2022Q1") == periods.Period(dt.date(2022, 1, 1), dt.date(2022, 3, 31))
    assert periods.parse_named("2024-02") == periods.Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert periods.parse_named("2024-02").year_earlier() == periods.Period(dt.date(2023, 2, 1), dt.date(2023, 2, 28))
    assert periods.resolve(date_from="2022-03-05", date_to="2022-04-01").label == "2022-03-05 – 2022-04-01"
    assert periods.resolve(date_to="2022-06-30", today=dt.date(2026, 1, 1)).date_from == dt.date(2022, 1, 1)
    for bad in ("2022-13", "22", "2022-Q5", "last year"):
        with pytest.raises(Exception) as exc:
            periods.parse_named(bad)
        assert "period" in exc.value.message_dict
    with pytest.raises(Exception) as exc:
        periods.resolve(date_from="2022-05-01", date_to="2022-04-01")
    assert "to" in exc.value.message_dict


def test_percent_rounds_half_up():
    assert registry.percent(1350, 2983) == Decimal("45.26")
    assert registry.percent(1, 8) == Decimal("12.50")
    assert registry.percent(1, 800) == Decimal("0.13")  # 0.125 → 0.13 (banker's rounding gives 0.12)
    assert registry.percent(5, 0) is None


def test_drill_down_district_township_village(world, disputes_2022):
    rows = value(world.leader, "disputes.received", group_by="jurisdiction")["rows"]
    by_code = {r["code"]: r["value"] for r in rows}
    assert by_code[world.shaomi.code] == 3
    assert by_code[world.shuangshui.code] == 1
    assert sum(by_code.values()) == 4
    assert all(r["has_children"] for r in rows)
    town = value(world.leader, "disputes.received", jurisdiction=world.shaomi.code, group_by="jurisdiction")
    assert town["value"] == 3
    villages = {r["code"]: r["value"] for r in town["rows"]}
    assert villages[world.shaomi_cun.code] == 2 and villages[world.pingqing.code] == 1
    # a ratio drills down too: 勺米镇 succeeded 2 of 3 mediated
    rate = value(world.leader, "disputes.success_rate", group_by="jurisdiction")
    rates = {r["code"]: r["value"] for r in rate["rows"]}
    assert rates[world.shaomi.code] == Decimal("66.67") and rates[world.shuangshui.code] is None


def test_records_on_the_node_itself_get_their_own_row(world):
    make_dispute(world.shaomi, at(2022, 2, 2))
    make_dispute(world.shaomi_cun, at(2022, 2, 3))
    town = value(world.leader, "disputes.received", jurisdiction=world.shaomi.code, group_by="jurisdiction")
    own = [r for r in town["rows"] if r["code"] == world.shaomi.code]
    assert len(own) == 1 and own[0]["value"] == 1 and town["value"] == 2


def test_year_on_year_against_an_imported_figure(world):
    from pingan.statistics.services import save_historical_figure

    for i in range(29):
        make_court_case(world, world.shaomi_cun, delegated_at=at(2022, 2, 1), outcome="returned",
                        outcome_at=at(2022, 3, 1 + i % 20), return_reason="failed")
    source = "民商事一审新收案件 2021 年 32 件，来源：水城区人民法院 2021 年工作报告"
    save_historical_figure(metric="court.first_instance_filings", date_from=dt.date(2021, 1, 1),
                           date_to=dt.date(2021, 12, 31), jurisdiction=world.district, value=32, source=source,
                           by=world.leader)
    result = value(world.leader, "court.first_instance_filings")
    assert result["value"] == 29 and result["source"] == "records"
    yoy = result["year_on_year"]
    assert yoy["value"] == 32 and yoy["source"] == source
    assert yoy["change_percent"] == Decimal("-9.38")  # (29 − 32) / 32 = −9.375 %, half-up
    # the imported figure answers for its own period, saying where it came from
    assert value(world.leader, "court.first_instance_filings", period="2021")["source"] == source


def test_year_on_year_from_records_and_rates_in_points(world, disputes_2022):
    r = value(world.leader, "disputes.received")
    assert r["year_on_year"]["value"] == 1 and r["year_on_year"]["change_percent"] == Decimal("300.00")
    rate = value(world.leader, "disputes.success_rate")
    assert rate["year_on_year"]["change_points"] == Decimal("-33.33")
    assert rate["year_on_year"]["change_percent"] is None


def test_court_figures_by_hand(world):
    d = at(2022, 4, 1)
    for outcome, n in (("mediation_document", 3), ("judicial_confirmation", 2), ("performed", 1),
                       ("reconciled", 1), ("withdrawn", 1)):
        for _ in range(n):
            make_court_case(world, world.shaomi_cun, delegated_at=d, outcome=outcome, outcome_at=at(2022, 5, 1))
    make_court_case(world, world.huangtupo, delegated_at=d, outcome="returned", outcome_at=at(2022, 6, 1),
                    return_reason="timed_out")
    make_court_case(world, world.huangtupo, delegated_at=d)  # still in mediation
    make_court_case(world, world.huangtupo, delegated_at=at(2021, 12, 31, 23, 59), outcome="performed",
                    outcome_at=at(2022, 1, 5))  # delegated in 2021, succeeded in 2022
    # a people's mediation agreement confirmed by the court: no delegation, so not a success of it
    make_court_case(world, world.shaomi_cun, outcome="judicial_confirmation", outcome_at=at(2022, 5, 2))
    u = world.leader
    assert value(u, "court.agreement_confirmation")["value"] == 1
    assert value(u, "court.delegated")["value"] == 10
    succeeded = value(u, "court.succeeded")
    assert succeeded["value"] == 9
    assert [b["value"] for b in succeeded["breakdown"]] == [3, 2, 4]
    assert value(u, "court.mediation_document")["value"] == 3
    assert value(u, "court.judicial_confirmation")["value"] == 2
    assert value(u, "court.on_the_spot")["value"] == 4
    returned = value(u, "court.returned")
    assert returned["value"] == 1
    assert {b["key"]: b["value"] for b in returned["breakdown"]}["timed_out"] == 1
    assert value(u, "court.success_rate")["value"] == Decimal("90.00")


def test_township_official_sees_own_township_only(world, disputes_2022):
    HistoricalFigure.objects.create(metric="disputes.received", date_from=dt.date(2021, 1, 1),
                                    date_to=dt.date(2021, 12, 31), jurisdiction=world.district, value=500,
                                    source="区综治中心 2021 年报")
    town = value(world.town, "disputes.received", jurisdiction=world.district.code)
    assert town["value"] == 3  # 勺米镇's three, not 双水街道's
    # the district's imported total is not the township's to see: last year comes from records
    assert town["year_on_year"]["source"] == "records" and town["year_on_year"]["value"] == 1
    leader = value(world.leader, "disputes.received", jurisdiction=world.district.code)
    assert leader["value"] == 4 and leader["year_on_year"]["value"] == 500
    rows = {r["code"]: r["value"] for r in value(world.town, "disputes.received", group_by="jurisdiction")["rows"]}
    assert sum(rows.values()) == 3
    # default jurisdiction is the user's own area
    assert value(world.town, "disputes.received")["jurisdiction"]["code"] == world.shaomi.code
    # child records (outcomes) follow their dispute's visibility
    make_outcome(disputes_2022[3], "agreement", dt.date(2022, 10, 1))
    assert value(world.leader, "disputes.mediated")["value"] == 4
    assert value(world.town, "disputes.mediated", jurisdiction=world.district.code)["value"] == 3
    assert value(world.town, "disputes.success_rate", jurisdiction=world.district.code)["value"] == Decimal("66.67")


def test_metrics_need_view_permission_on_their_domain(world):
    keys = {m.key for m in registry.metrics_for(world.nobody)}
    assert keys == set()
    assert {m.domain for m in registry.metrics_for(world.leader)} >= {"disputes", "court"}
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        registry.get("disputes.received", user=world.nobody)


def test_district_figures_leave_out_another_root(world, disputes_2022):
    """The district-level shortcut (no subtree filter) applies only while the district is the only
    root; a second tree's records stay out of the district's figures."""
    from pingan.orgs.models import Jurisdiction

    assert value(world.leader, "disputes.received")["value"] == 4
    other = Jurisdiction.objects.create(code="520203000000", name="六枝特区", level=1)
    make_dispute(other, at(2022, 6, 1))
    assert value(world.leader, "disputes.received")["value"] == 4
    assert value(world.leader, "disputes.received", jurisdiction=other.code)["value"] == 1

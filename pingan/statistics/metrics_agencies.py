"""Procuratorate, policing and corrections figures: each calls the domain's own statistics
selector (which restricts by permission itself) and picks one number, so the district's
dashboard shows them beside the disputes figures without re-deriving any rule here."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from .metrics_disputes import PERCENT, PIECES, TIMES
from .registry import Context, Metric, Number, register

PERSONS = _("人")


def _as_percent(rate: Any) -> Decimal | None:
    # The domain selectors return fractions (0.9333); show percent with two decimals, half-up.
    if rate is None:
        return None
    return (Decimal(str(rate)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _args(ctx: Context) -> dict[str, Any]:
    return {"user": ctx.user, "jurisdiction": ctx.jurisdiction.code,
            "date_from": ctx.period.date_from, "date_to": ctx.period.date_to}


def _three_tier(ctx: Context) -> dict[str, Any]:
    from pingan.policing.selectors_stats import three_tier_figures

    return ctx.once("policing.three_tier", lambda: three_tier_figures(**_args(ctx)))


def _policing(ctx: Context) -> dict[str, Any]:
    from pingan.policing.selectors_stats import policing_figures

    return ctx.once("policing.figures", lambda: policing_figures(**_args(ctx)))


def _procuratorate(ctx: Context) -> dict[str, Any]:
    from pingan.procuratorate.selectors import statistics

    return ctx.once("procuratorate", lambda: statistics(**_args(ctx)))


def _pick(source: Callable[[Context], dict[str, Any]], *path: str, rate: bool = False) -> Callable[[Context], Number | None]:
    def compute(ctx: Context) -> Number | None:
        value: Any = source(ctx)
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return _as_percent(value) if rate else value

    return compute


P = "policing"
PUSH = "policing.push"
HAZARD = "policing.hazard"
for order, (key, label, en, unit, path, rate) in enumerate([
    ("reports_collected", _("三级联调：收集纠纷线索"), "Three-tier: reports collected", PIECES, "reports_collected", False),
    ("mediated_after_screening", _("三级联调：研判后调处"), "Three-tier: mediated after screening", PIECES,
     "mediated_after_screening", False),
    ("pushed_by_letter", _("三级联调：函件推送"), "Three-tier: pushed by letter", PIECES, "pushed_by_letter", False),
    ("replied_and_closed", _("三级联调：回复并办结"), "Three-tier: replied and closed", PIECES, "replied_and_closed", False),
    ("closure_rate", _("三级联调：办结率"), "Three-tier: closure rate", PERCENT, "closure_rate", True),
    ("revisit_rate", _("三级联调：回访率"), "Three-tier: revisit rate", PERCENT, "revisit_rate", True),
    ("satisfaction_rate", _("三级联调：满意率"), "Three-tier: satisfaction rate", PERCENT, "satisfaction_rate", True),
]):
    register(Metric(f"policing.three_tier.{key}", label, en, unit, P, PUSH, compute=_pick(_three_tier, path, rate=rate),
                    order=10 + order))

for order, (key, label, en, unit, path, rate) in enumerate([
    ("hazards_found", _("包保走访：排查隐患"), "Hazards found", PIECES, "hazards_found", False),
    ("hazards_resolved", _("包保走访：化解隐患"), "Hazards resolved", PIECES, "hazards_resolved", False),
    ("pushed", _("包保走访：推送责任单位"), "Hazards pushed onward", PIECES, "pushed", False),
    ("resolution_rate", _("包保走访：化解率"), "Hazard resolution rate", PERCENT, "resolution_rate", True),
    ("households_visited", _("包保走访：走访户数"), "Households visited", _("户"), "households_visited", False),
    ("coverage_rate", _("包保走访：走访覆盖率"), "Visit coverage", PERCENT, "coverage_rate", True),
]):
    register(Metric(f"policing.{key}", label, en, unit, P, HAZARD, compute=_pick(_policing, path, rate=rate),
                    order=30 + order))


R = "procuratorate"
MINOR = "procuratorate.minorcase"
for order, (key, label, en, unit, keys) in enumerate([
    ("persons", _("小案办理人数"), "Persons in minor cases", PERSONS, ("minor_cases", "persons")),
    ("arrest_not_approved", _("不批准逮捕"), "Not approved for arrest", PERSONS, ("minor_cases", "arrest_not_approved")),
    ("non_prosecuted", _("不起诉"), "Not prosecuted", PERSONS, ("minor_cases", "non_prosecuted")),
    ("volunteers", _("参加志愿服务"), "Volunteer service participants", PERSONS, ("volunteer_service", "participants")),
    ("volunteers_passed", _("志愿服务考核合格"), "Volunteer service passed", PERSONS, ("volunteer_service", "passed")),
    ("recommendations_issued", _("制发社会治理类检察建议"), "Recommendations issued", PIECES,
     ("recommendations", "issued")),
    ("recommendations_replied", _("检察建议已回复"), "Recommendations replied", PIECES, ("recommendations", "replied")),
    ("recommendations_implemented", _("检察建议已落实"), "Recommendations implemented", PIECES,
     ("recommendations", "implemented")),
    ("early_involvement", _("提前介入"), "Early involvements", PIECES, ("early_involvement", "total")),
]):
    register(Metric(f"procuratorate.{key}", label, en, unit, R, MINOR, compute=_pick(_procuratorate, *keys),
                    order=10 + order))


# Corrections: pingan.corrections.statistics (sanctions by kind and how many the system found,
# alerts by type, check-in completion); a supervisee's place is their 司法所's jurisdiction.
def _corrections(ctx: Context) -> dict[str, Any]:
    from pingan.corrections import statistics

    return ctx.once("corrections", lambda: statistics.overview(
        user=ctx.user, since=ctx.period.date_from, until=ctx.period.date_to, jurisdiction=ctx.jurisdiction))


def _alerts_total(ctx: Context) -> Number | None:
    return sum(row.get("total", 0) for row in _corrections(ctx)["alerts"].values())


K = "corrections"
SANCTION = "corrections.sanction"
for order, (key, label, en, unit, cpath, rate) in enumerate([
    ("warnings", _("警告"), "Warnings", TIMES, ("sanctions", "warning", "total"), False),
    ("warnings_found_by_system", _("警告（系统发现）"), "Warnings found by the system", TIMES,
     ("sanctions", "warning", "found_by_system"), False),
    ("admonitions", _("训诫"), "Admonitions", TIMES, ("sanctions", "admonition", "total"), False),
    ("admonitions_found_by_system", _("训诫（系统发现）"), "Admonitions found by the system", TIMES,
     ("sanctions", "admonition", "found_by_system"), False),
    ("checkin_rate", _("人脸签到完成率"), "Check-in completion", PERCENT, ("checkins", "rate"), True),
]):
    register(Metric(f"corrections.{key}", label, en, unit, K, SANCTION, compute=_pick(_corrections, *cpath, rate=rate),
                    order=10 + order))
register(Metric("corrections.alerts", _("社区矫正告警"), "Corrections alerts", TIMES, K, "corrections.alert",
                compute=_alerts_total, order=5))

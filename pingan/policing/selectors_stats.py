"""Statistics computed from the records (never from stored counters), for a period and a
jurisdiction subtree, restricted to what the user may see.

`policing_figures`: hazards found / resolved / pushed, resolution rate, visit coverage and the
number of townships, villages and village groups the assignments cover (DOMAIN.md §3, "28
townships, 189 villages, 2705 village groups, 11800 households; 163 found, 140 resolved, 300+
pushed").

`three_tier_figures`: 勺米派出所 三级联调 — dispute reports collected (disputes with source
"police"), mediated after screening (those that ever reached the disputes workflow's "mediating"
state: its milestone first_mediating_at), pushed by letter (policing Push rows, channel letter), replied and closed; closure,
revisit and satisfaction rates over both."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.orgs.permissions import restrict

from . import rollup
from .models import Assignment, Household, Push, Visit
from .selectors import (
    _period,
    covered_households_q,
    default_interval_days,
    in_subtree,
    jurisdiction_path,
)

SATISFIED = ("satisfied", "basically")


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def policing_figures(*, user, jurisdiction: str | None = None, date_from: dt.date | None = None,
                     date_to: dt.date | None = None) -> dict[str, Any]:
    path = jurisdiction_path(jurisdiction)
    date_to_eff = date_to or timezone.localdate()
    if date_from and date_to and date_from > date_to:
        raise ValidationError({"date_to": _("结束日期不能早于开始日期。")})

    # Hazards and pushes from the daily-count cache (rollup.py): the cache for days no write has
    # touched since the worker recounted them, the records for the others.
    hz = rollup.tally("hazard", user=user, date_from=date_from, date_to=date_to, path=path)
    h = {
        "found": rollup.count(hz),
        "resolved": rollup.count(hz, resolved=True),
        "to_dispute": rollup.count(hz, to_dispute=True),
        "red": rollup.count(hz, grade="red"),
        "yellow": rollup.count(hz, grade="yellow"),
        "blue": rollup.count(hz, grade="blue"),
    }
    ps = rollup.tally("push", user=user, date_from=date_from, date_to=date_to, path=path)
    p = {"pushed": rollup.count(ps), "letters": rollup.count(ps, channel=Push.Channel.LETTER)}

    assignments = restrict(Assignment.objects.all(), user, "view").filter(starts_on__lte=date_to_eff).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=date_from or date_to_eff))
    households = restrict(Household.objects.all(), user, "view").filter(covered_households_q(assignments))
    if path:
        households = households.filter(in_subtree(path))
    village = Case(When(jurisdiction__level=4, then=F("jurisdiction__parent_id")), default=F("jurisdiction_id"),
                   output_field=IntegerField())
    township = Case(When(jurisdiction__level=4, then=F("jurisdiction__parent__parent_id")),
                    default=F("jurisdiction__parent_id"), output_field=IntegerField())
    cov = households.aggregate(
        households=Count("pk"),
        groups=Count("jurisdiction_id", distinct=True, filter=Q(jurisdiction__level=4)),
        villages=Count(village, distinct=True),
        townships=Count(township, distinct=True),
    )
    visit_from = date_from or date_to_eff - dt.timedelta(days=default_interval_days() - 1)
    visits = _period(restrict(Visit.objects.all(), user, "view"), "visited_at", visit_from, date_to_eff)
    if path:
        visits = visits.filter(in_subtree(path))
    visited = visits.filter(household__in=households.values("pk")).values("household_id").distinct().count()
    return {
        "date_from": date_from, "date_to": date_to,
        "hazards_found": h["found"], "hazards_resolved": h["resolved"], "hazards_to_dispute": h["to_dispute"],
        "hazards_by_grade": {"red": h["red"], "yellow": h["yellow"], "blue": h["blue"]},
        "pushed": p["pushed"], "pushed_by_letter": p["letters"],
        "resolution_rate": _rate(h["resolved"], h["found"]),
        "townships": cov["townships"], "villages": cov["villages"], "village_groups": cov["groups"],
        "households_assigned": cov["households"], "households_visited": visited,
        "visits": visits.count(), "visit_period_from": visit_from,
        "coverage_rate": _rate(visited, cov["households"]),
    }


def three_tier_figures(*, user, jurisdiction: str | None = None, date_from: dt.date | None = None,
                       date_to: dt.date | None = None) -> dict[str, Any]:
    from pingan.disputes.models import Dispute, FollowUp, Source

    path = jurisdiction_path(jurisdiction)
    disputes = _period(restrict(Dispute.objects.all(), user, "view").filter(source=Source.POLICE),
                       "received_at", date_from, date_to)
    letters = _period(restrict(Push.objects.all(), user, "view").filter(channel=Push.Channel.LETTER),
                      "sent_at", date_from, date_to)
    if path:
        disputes = disputes.filter(in_subtree(path))
        letters = letters.filter(in_subtree(path))
    # "Ever reached" is the workflow's milestone stamps (core/workflow.py), which the period's
    # index (source, received_at) holds: one index-only pass, no probe of the transition log.
    d = disputes.aggregate(
        reports=Count("*"),
        mediated=Count("first_mediating_at"),
        closed=Count("first_closed_at", filter=Q(first_mediating_at__isnull=False)),
    )
    closed = disputes.filter(first_mediating_at__isnull=False, first_closed_at__isnull=False)
    # Revisits and satisfaction of disputes come from the disputes app's follow-up records
    # (满意 and 基本满意 count as satisfied).
    fu = FollowUp.objects.filter(dispute__in=closed.values("pk"), done_at__isnull=False).aggregate(
        revisited=Count("dispute", distinct=True),
        satisfied=Count("dispute", distinct=True, filter=Q(satisfaction__in=SATISFIED)),
    )
    lt = letters.aggregate(
        n=Count("pk"),
        replied=Count("pk", filter=Q(replied_at__isnull=False)),
        closed=Count("pk", filter=Q(replied_at__isnull=False, closed_at__isnull=False)),
        revisited=Count("pk", filter=Q(revisited_at__isnull=False)),
        satisfied=Count("pk", filter=Q(revisited_at__isnull=False, satisfied=True)),
    )
    handled = d["mediated"] + lt["n"]
    closed_n = d["closed"] + lt["closed"]
    revisited_n = fu["revisited"] + lt["revisited"]
    return {
        "date_from": date_from, "date_to": date_to,
        "reports_collected": d["reports"],
        "mediated_after_screening": d["mediated"],
        "pushed_by_letter": lt["n"],
        "letters_replied": lt["replied"],
        "replied_and_closed": lt["closed"],
        "closed": closed_n,
        "revisited": revisited_n,
        "closure_rate": _rate(closed_n, handled),
        "revisit_rate": _rate(revisited_n, closed_n),
        "satisfaction_rate": _rate(fu["satisfied"] + lt["satisfied"], revisited_n),
    }

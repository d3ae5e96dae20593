"""Periodic jobs of search tasks and electronic monitoring (run by `pingan worker`), the
permission file's registration and the navigation entries. Imported from
CorrectionsConfig.ready(). Every job is idempotent: reminders are marked once (reminded_at), and
expiry is a workflow compare-and-set."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from pingan.core.tasks import periodic
from pingan.orgs.navigation import PANELS, REGISTRY, HomePanel, NavItem
from pingan.orgs.seed import register_permission_file

from . import monitoring, search
from .supervision_seed import PERMISSIONS_FILE

register_permission_file(PERMISSIONS_FILE)
for _item in (NavItem(_("失联查找"), "corrections:searches", "corrections.searchtask"),
              NavItem(_("司法所考核"), "corrections:evaluation", "orgs.agency",
                      action="view_corrections_evaluation")):
    if _item not in REGISTRY:
        REGISTRY.append(_item)
# District leaders read the ranking without seeing any supervisee: besides the menu entry, a home
# panel links them to it.
_PANEL = HomePanel("corrections/panels/evaluation.html", "orgs.agency", roles=("district_leader",), order=300)
if _PANEL not in PANELS:
    PANELS.append(_PANEL)


@periodic(every=timedelta(minutes=15), name="corrections.remind_search_tasks")
def remind_search_tasks() -> None:
    search.remind_search_tasks()


@periodic(every=timedelta(hours=1), name="corrections.remind_monitoring_expiry")
def remind_monitoring_expiry() -> None:
    monitoring.remind_expiring()


@periodic(every=timedelta(hours=1), name="corrections.expire_monitoring")
def expire_monitoring() -> None:
    monitoring.expire_monitoring()

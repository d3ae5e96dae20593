"""The seven-step method (七字工作法 盯、联、推、化、管、访、宣) as the hazard lifecycle, declared
once; core/workflow.py performs the transitions (permission "change" on the hazard, checked
through the permission rows in data/permissions.json).

盯 watching is where a hazard starts; 联 link up with the village, committee and departments;
推 push to the responsible body (a dispute or a referral letter, services.py records the push);
化 resolve; 管 keep a hazard that cannot yet be resolved (and its people) under control;
访 revisit after resolution; 宣 publicise the case (law education), which ends the lifecycle."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pingan.core.workflow import T, Workflow, register

from .models import Hazard

HAZARD = register(
    Workflow(
        name="policing.hazard",
        model="policing.hazard",
        field="state",
        initial=Hazard.INITIAL_STATE,
        states={value: label for value, label in Hazard.State.choices},
        transitions=[
            T("link", ["watching"], "linked", permission="change", label=_("联：联动会商")),
            T("push", ["watching", "linked"], "pushed", permission="change", label=_("推：推送责任单位")),
            T("resolve", ["watching", "linked", "pushed", "controlled"], "resolved", permission="change",
              label=_("化：化解")),
            T("control", ["watching", "linked", "pushed"], "controlled", permission="change", label=_("管：稳控管理")),
            T("revisit", ["resolved"], "revisited", permission="change", label=_("访：回访")),
            T("publicise", ["revisited"], "publicised", permission="change", label=_("宣：宣传")),
        ],
    )
)

RESOLVED_STATES = ("resolved", "revisited", "publicised")
OPEN_STATES = ("watching", "linked", "pushed", "controlled")

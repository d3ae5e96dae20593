"""Workflows of search tasks and electronic monitoring decisions (core/workflow.py performs them).

Search: open → found (a search found the person), open → escalated (not found: reported to the
county bureau and the police; needs at least one recorded search), escalated → found.
Monitoring: active → renewed (a new decision follows), removed (no longer needed), expired (the
worker, at the end without a renewal)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pingan.core.workflow import T, Workflow, register


def _searched(obj, by, data: dict) -> str | None:
    return None if obj.attempts.exists() else str(_("须先记录查找情况（谁、何时、以何种方式查找）。"))


def _reason_required(obj, by, data: dict) -> str | None:
    return None if str(data.get("reason", "")).strip() else str(_("请说明理由。"))


SEARCH = register(Workflow(
    name="corrections.search",
    model="corrections.searchtask",
    field="state",
    initial="open",
    states={"open": _("查找中"), "escalated": _("未找到，已报告"), "found": _("已找到")},
    transitions=[
        T("found", ["open", "escalated"], "found", permission="change", label=_("已找到")),
        T("escalate", ["open"], "escalated", permission="change", guards=[_searched, _reason_required],
          label=_("未找到，报告区县司法局和公安机关")),
    ],
))

MONITORING = register(Workflow(
    name="corrections.monitoring",
    model="corrections.monitoringdecision",
    field="state",
    initial="active",
    states={"active": _("使用中"), "renewed": _("已续用"), "removed": _("已解除"), "expired": _("期满解除")},
    transitions=[
        T("renew", ["active"], "renewed", permission="approve_monitoring", label=_("续用")),
        T("remove", ["active"], "removed", permission="approve_monitoring", guards=[_reason_required],
          label=_("解除")),
        T("expire", ["active"], "expired", label=_("期满解除")),
    ],
))

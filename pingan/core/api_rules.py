"""Core API: rule sets — list the versions one may see, and explain an evaluation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from .models import RuleSet
from .pagination import PagePagination
from .rules import active_ruleset, evaluate

router = Router(tags=["core"])


def _restrict(queryset, request: HttpRequest):
    # Permissions live with the org chart; imported lazily so core loads without orgs.
    from pingan.orgs.permissions import restrict

    return restrict(queryset, request.user, "view")


def _require_read(request: HttpRequest) -> None:
    from pingan.orgs.api_auth import require_scope

    require_scope(request, "read")


class RuleSetOut(Schema):
    key: str
    version: int
    name: str
    mode: str
    is_active: bool
    valid_from: datetime
    source: str
    note: str
    rules_count: int
    created_at: datetime

    @staticmethod
    def resolve_rules_count(obj: RuleSet) -> int:
        return len(obj.rules) if isinstance(obj.rules, list) else 0


class ExplainIn(Schema):
    model_config = {"extra": "forbid"}

    record: dict[str, Any] = Field(..., description="被评估的记录（任意 JSON 对象）")
    version: int | None = Field(None, ge=1, le=2_000_000_000, description="指定版本；缺省为当前生效版本")
    at: datetime | None = Field(None, description="按此时间选择生效版本；与 version 二选一")


class FiredOut(Schema):
    id: str
    name: str
    then: Any
    trace: dict[str, Any]


class EvaluationOut(Schema):
    key: str
    version: int
    mode: str
    result: Any
    used_default: bool
    fired: list[FiredOut]
    explanation: list[str]


@router.get("/rulesets", response=list[RuleSetOut])
@paginate(PagePagination)
def ruleset_list(request: HttpRequest, key: str | None = None, active: bool | None = None):
    _require_read(request)
    qs = _restrict(RuleSet.objects.all(), request)
    if key:
        qs = qs.filter(key=key)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("key", "-version")


@router.post("/rulesets/{key}/explain", response=EvaluationOut)
def ruleset_explain(request: HttpRequest, key: str, payload: ExplainIn):
    _require_read(request)
    visible = _restrict(RuleSet.objects.filter(key=key), request)
    # Check visibility first so "no such key" and "not yours" give the same 404.
    if not visible.exists():
        raise Http404(_("记录不存在或无权查看。"))
    if payload.version is not None:
        rs = visible.filter(version=payload.version).first()
    else:
        rs = visible.filter(pk=active_ruleset(key, payload.at).pk).first()
    if rs is None:
        raise Http404(_("记录不存在或无权查看。"))
    return evaluate(rs, payload.record).as_dict()

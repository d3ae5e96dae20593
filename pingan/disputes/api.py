"""/api/v1/disputes/: thin — parse, call a service or selector, shape the answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from pingan.core.pagination import PagePagination
from pingan.orgs.api_auth import scope_required
from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import requires

from . import selectors, services
from .models import Category, Dispute
from .schemas import CategoryOut, DisputeFilterIn, DisputeIn, DisputeListOut, DisputeOut

router = Router(tags=["disputes"])


def resolve_codes(*, category: str, jurisdiction: str) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cat = Category.objects.filter(code=category, active=True).first()
    if cat is None:
        errors["category"] = _("未知的纠纷类别：%(code)s") % {"code": category}
    jur = Jurisdiction.objects.filter(code=jurisdiction).first()
    if jur is None:
        errors["jurisdiction"] = _("未知的区划代码：%(code)s") % {"code": jurisdiction}
    if errors:
        raise ValidationError(errors)
    return {"category": cat, "jurisdiction": jur}


def dispute_detail(*, user, dispute: Dispute, reveal: bool = False) -> dict[str, Any]:
    return {
        "uuid": dispute.uuid,
        "number": dispute.number,
        "title": dispute.title,
        "facts": dispute.facts,
        "category": dispute.category.code,
        "category_name": dispute.category.name,
        "jurisdiction": dispute.jurisdiction.code,
        "jurisdiction_name": dispute.jurisdiction.name,
        "amount": dispute.amount,
        "latitude": dispute.latitude,
        "longitude": dispute.longitude,
        "source": dispute.source,
        "external_ref": dispute.external_ref,
        "state": dispute.state,
        "grade": dispute.grade,
        "received_at": dispute.received_at,
        "handling_agency": dispute.handling_agency.name if dispute.handling_agency else None,
        "duplicate_of": dispute.duplicate_of.uuid if dispute.duplicate_of else None,
        "possible_duplicates": [f.candidate.uuid for f in selectors.duplicate_flags(user=user, dispute=dispute)],
        "parties": selectors.party_rows(user=user, dispute=dispute, reveal=reveal),
    }


@router.get("/categories", response=list[CategoryOut])
def categories(request: HttpRequest):
    return list(selectors.category_list())


@router.post("/", response={201: DisputeOut})
@scope_required("write")
@requires("add", Dispute)
def dispute_create(request: HttpRequest, payload: DisputeIn):
    data = payload.dict(exclude={"parties", "source", "category", "jurisdiction"})
    data.update(resolve_codes(category=payload.category, jurisdiction=payload.jurisdiction))
    parties = [p.dict() for p in payload.parties]
    dispute = services.create_dispute(data=data, parties=parties, by=request.user, source=payload.source)
    dispute = selectors.get_dispute(user=request.user, uuid=dispute.uuid)
    return Status(201, dispute_detail(user=request.user, dispute=dispute))


@router.get("/", response=list[DisputeListOut])
@scope_required("read")
@paginate(PagePagination)
def dispute_list(request: HttpRequest, filters: Query[DisputeFilterIn]):
    return selectors.dispute_list(user=request.user, filters=selectors.DisputeFilters(**filters.dict()))


@router.get("/{uuid}", response=DisputeOut)
@scope_required("read")
def dispute_get(request: HttpRequest, uuid: UUID, reveal: bool = False):
    dispute = selectors.get_dispute(user=request.user, uuid=uuid)
    return dispute_detail(user=request.user, dispute=dispute, reveal=reveal)


# The work on a dispute (grading, routing, mediation, outcomes, referrals, follow-up).
from .api_work import router as work_router  # noqa: E402

router.add_router("", work_router)

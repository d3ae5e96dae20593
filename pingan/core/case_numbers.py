"""Case numbers (案号), e.g. （2022）黔0204民诉前调123号: one sequence per court, case type and
year, gap-free and safe under concurrency.

The counter row is locked with SELECT … FOR UPDATE, bumped, and the issued number inserted in the
same transaction (healthchecks' `Check.ping` pattern): if the caller's transaction rolls back, the
number is not used and the counter goes back with it, so there are no gaps. `IssuedCaseNumber`
refuses duplicates in the database. On SQLite every transaction begins IMMEDIATE (settings), so
writers queue on the database lock instead of racing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .errors import ApplicationError
from .models import CaseNumberCounter, CaseNumberFormat, IssuedCaseNumber


def format_number(fmt: CaseNumberFormat, *, year: int, seq: int) -> str:
    return fmt.template.format(year=year, court=fmt.court_code, type=fmt.case_type, seq=seq)


def _locked_counter(fmt: CaseNumberFormat, year: int) -> CaseNumberCounter:
    counter = CaseNumberCounter.objects.select_for_update().filter(format=fmt, year=year).first()
    if counter is not None:
        return counter
    # First number of the year: two writers may both try to create the row. The loser's insert
    # waits on the unique index, then fails; its savepoint rolls back and it locks the winner's row.
    try:
        with transaction.atomic():
            CaseNumberCounter.objects.create(format=fmt, year=year, last_value=0)
    except IntegrityError:
        pass
    return CaseNumberCounter.objects.select_for_update().get(format=fmt, year=year)


def issue_case_number(
    *,
    court_code: str,
    case_type: str,
    year: int | None = None,
    target: Model | None = None,
    by: Any = None,
) -> str:
    """Issue the next number for this court, case type and year (default: this year in China).
    Call inside the transaction that creates the case so a rollback releases the number."""
    if year is None:
        year = timezone.localdate().year
    with transaction.atomic():
        fmt = CaseNumberFormat.objects.filter(court_code=court_code, case_type=case_type, is_active=True).first()
        if fmt is None:
            raise ApplicationError(
                _("没有“%(court)s%(type)s”的案号格式，请在管理后台“案号格式”中添加。")
                % {"court": court_code, "type": case_type},
                code="unknown_case_number_format",
                field="case_type",
            )
        counter = _locked_counter(fmt, year)
        counter.last_value += 1
        counter.save(update_fields=["last_value"])
        number = format_number(fmt, year=year, seq=counter.last_value)
        issued = IssuedCaseNumber.objects.create(
            format=fmt,
            year=year,
            seq=counter.last_value,
            number=number,
            content_type=ContentType.objects.get_for_model(target) if target is not None else None,
            object_id=str(target.pk) if target is not None else "",
        )
        audit.record(
            actor=by,
            event_type=audit.AuditEvent.CASE_NUMBER_ISSUED,
            action="case_number_issued",
            obj=issued,
            after={
                "number": number,
                "court_code": court_code,
                "case_type": case_type,
                "year": year,
                "seq": counter.last_value,
                "target": f"{issued.content_type_id}:{issued.object_id}" if target is not None else "",
            },
        )
    return number

"""What list pages do the same way in every app: read the filter form, page the selector's rows,
keep the query for the pager links, and answer the htmx partial or the full page.

    @login_required
    @requires("view", Hazard)
    def hazard_list(request):
        context = filtered_page(request, HazardFilterForm(request.GET or None),
                                lambda f: selectors.hazard_list(user=request.user, filters=HazardFilters(**f)))
        return render_list(request, "policing/hazard_list.html", context)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import punctuation
from .errors import ApplicationError

PER_PAGE = 50


def is_partial(request: HttpRequest) -> bool:
    """An htmx request for a fragment; a boosted link or form wants the whole page."""
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted  # type: ignore[attr-defined]


def error_text(exc: Exception) -> str:
    """A refused action as one line for a message or a form's non-field error: a
    ValidationError's messages joined, an ApplicationError's message, a PermissionDenied's text
    (or the generic refusal when it has none)."""
    if isinstance(exc, ValidationError):
        return punctuation.join(exc.messages)
    if isinstance(exc, ApplicationError):
        return exc.message
    return str(exc) or _("无权执行此操作。")


def form_errors(form: forms.Form, exc: Exception) -> None:
    """A selector's or service's refusal on the form: a ValidationError's keyed errors each on its
    field (on the form as a whole when the form has no field of that name); anything else — a
    ValidationError without keys, an ApplicationError, a PermissionDenied — as one non-field
    error (error_text)."""
    if not isinstance(exc, ValidationError) or not hasattr(exc, "error_dict"):
        form.add_error(None, error_text(exc))
        return
    for field, errs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errs)


def filtered_page(request: HttpRequest, form: forms.Form, rows: Callable[[dict[str, Any]], QuerySet],
                  *, per_page: int = PER_PAGE) -> dict[str, Any]:
    """The list's context: `form`, `page` (None while the filters are invalid: the page shows the
    form's errors, not an unfiltered list) and `query`, the URL's query without the page number,
    for the pager links. `rows` gets the cleaned filters with blank values as None ({} on a first
    visit without a query) and returns the queryset; a ValidationError it raises (a filter the
    selector refuses) goes on the form."""
    page = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        try:
            page = Paginator(rows({k: (v or None) for k, v in data.items()}), per_page).get_page(request.GET.get("page"))
        except ValidationError as exc:
            form_errors(form, exc)
    query = request.GET.copy()
    query.pop("page", None)
    return {"form": form, "page": page, "query": query.urlencode()}


def render_list(request: HttpRequest, template: str, context: dict[str, Any], *, partial: str = "results") -> HttpResponse:
    """The full page, or only its `{% partialdef results %}` for an htmx request (filtering,
    paging) so the form being typed in is not replaced."""
    return render(request, f"{template}#{partial}" if is_partial(request) else template, context)

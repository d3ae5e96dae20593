from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors


@login_required
def home(request):
    return render(request, "orgs/home.html", {"roles": request.user.roles.all()})


@login_required
def agency_list(request):
    qs = selectors.agency_list(user=request.user, kind=request.GET.get("kind") or None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "orgs/agency_list.html", {"page": page})


@login_required
def jurisdiction_list(request):
    qs = selectors.jurisdiction_list(user=request.user)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "orgs/jurisdiction_list.html", {"page": page})

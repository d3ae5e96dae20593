"""Navigation and home panels per agency and role: an entry shows only when the user may do its
action (view by default) on its object type (orgs.permissions.can), so the menu never offers a
page that would be empty or refused."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .permissions import can


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy translation string, rendered in the user's language
    url_name: str
    # "app.model" the user must be able to view, or a tuple of them (any one is enough)
    object_type: str | tuple[str, ...] | None = None
    # the action the page requires, e.g. "add" for an import page that only clerks may use
    action: str = "view"


@dataclass(frozen=True)
class HomePanel:
    """A panel on the home page: a template fragment shown to users who may view `object_type`
    (and, when `roles` is given, only to users holding one of those role codes)."""

    template: str
    object_type: str | None = None
    roles: tuple[str, ...] = ()
    order: int = 100


# Domain apps append their entries here in their AppConfig.ready().
REGISTRY: list[NavItem] = [
    NavItem(_("首页"), "home"),
    NavItem(pgettext_lazy("agency", "单位"), "orgs:agency_list", "orgs.agency"),
    NavItem(_("行政区划"), "orgs:jurisdiction_list", "orgs.jurisdiction"),
]

PANELS: list[HomePanel] = [
    HomePanel("orgs/panels/org_chart.html", "orgs.agency", order=900),
]


def _may(user, object_type: str | tuple[str, ...] | None, action: str = "view") -> bool:
    if not object_type:
        return True
    types = (object_type,) if isinstance(object_type, str) else object_type
    return any(can(user, action, apps.get_model(t)) for t in types)


def menu_for(user) -> list[dict]:
    items = []
    for item in REGISTRY:
        if not _may(user, item.object_type, item.action):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "name": item.url_name})
    return items


def panels_for(user) -> list[str]:
    """Template names of the home panels this user sees, in display order."""
    codes = set(user.roles.values_list("code", flat=True)) if user.is_authenticated else set()
    chosen = [
        p
        for p in PANELS
        if _may(user, p.object_type) and (not p.roles or codes.intersection(p.roles))
    ]
    return [p.template for p in sorted(chosen, key=lambda p: p.order)]

"""Navigation per agency and role: an entry shows only when the user may view its object type."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import can


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy translation string, rendered in the user's language
    url_name: str
    object_type: str | None = None  # "app.model" the user must be able to view


# Domain apps append their entries here in their AppConfig.ready().
REGISTRY: list[NavItem] = [
    NavItem(_("首页"), "home"),
    NavItem(_("单位"), "orgs:agency_list", "orgs.agency"),
    NavItem(_("行政区划"), "orgs:jurisdiction_list", "orgs.jurisdiction"),
]


def menu_for(user) -> list[dict]:
    items = []
    for item in REGISTRY:
        if item.object_type:
            model = apps.get_model(item.object_type)
            if not can(user, "view", model):
                continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "name": item.url_name})
    return items

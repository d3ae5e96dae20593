from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "pingan.disputes"
    label = "disputes"
    verbose_name = _("矛盾纠纷")

    def ready(self) -> None:
        from pingan.orgs.navigation import REGISTRY, NavItem

        item = NavItem(_("矛盾纠纷"), "disputes:list", "disputes.dispute")
        if item not in REGISTRY:  # ready() may run twice in some test set-ups
            REGISTRY.append(item)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "pingan.disputes"
    label = "disputes"
    verbose_name = _("矛盾纠纷")

    def ready(self) -> None:
        from pingan.core.demo import register as register_demo
        from pingan.orgs.navigation import REGISTRY, NavItem
        from pingan.orgs.seed import register_permission_file

        from . import tasks, workflow  # noqa: F401  (declares the workflow and the periodic jobs)
        from .seed import PERMISSIONS_FILE

        register_permission_file(PERMISSIONS_FILE)
        for item in (NavItem(_("矛盾纠纷"), "disputes:list", "disputes.dispute"),
                     NavItem(_("我的待办"), "disputes:work", "disputes.dispute")):
            if item not in REGISTRY:  # ready() may run twice in some test set-ups
                REGISTRY.append(item)

        from .demo import load_demo_disputes

        register_demo("disputes", load_demo_disputes, after=["orgs"])

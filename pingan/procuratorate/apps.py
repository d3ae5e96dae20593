from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcuratorateConfig(AppConfig):
    name = "pingan.procuratorate"
    label = "procuratorate"
    verbose_name = _("检察院")

    def ready(self) -> None:
        from pingan.core.demo import register as register_demo
        from pingan.orgs.navigation import PANELS, REGISTRY, HomePanel, NavItem
        from pingan.orgs.seed import register_permission_file

        from . import (
            tasks,  # noqa: F401  (registers the follow-up periodic job)
            workflow,  # noqa: F401  (declares the workflows)
        )
        from .seed import PERMISSIONS_FILE

        register_permission_file(PERMISSIONS_FILE)
        for item in (
            NavItem(_("检察工作台"), "procuratorate:queue", "procuratorate.minorcase"),
            NavItem(_("志愿服务"), "procuratorate:plan_list", "procuratorate.volunteerplan"),
            NavItem(_("检察建议"), "procuratorate:recommendation_list", "procuratorate.recommendation"),
        ):
            if item not in REGISTRY:  # ready() may run twice in some test set-ups
                REGISTRY.append(item)
        for panel in (
            HomePanel("procuratorate/panels/queue.html", "procuratorate.minorcase", order=200),
            HomePanel("procuratorate/panels/partner.html", "procuratorate.volunteerplan", roles=("partner",), order=200),
        ):
            if panel not in PANELS:
                PANELS.append(panel)

        from .demo import load_demo

        register_demo("procuratorate", load_demo, after=["orgs"])

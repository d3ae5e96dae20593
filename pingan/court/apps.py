from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourtConfig(AppConfig):
    name = "pingan.court"
    label = "court"
    verbose_name = _("诉前调解")

    def ready(self) -> None:
        from pingan.core.demo import register as register_demo
        from pingan.orgs.navigation import REGISTRY, NavItem
        from pingan.orgs.seed import register_permission_file

        from . import handlers, tasks, workflow  # noqa: F401  (workflow, outbox handlers, periodic jobs)
        from .seed import PERMISSIONS_FILE

        register_permission_file(PERMISSIONS_FILE)
        for item in (
            NavItem(_("诉前调解"), "court:queue", "court.courtcase"),
            NavItem(_("系列案"), "court:series_list", "court.caseseries"),
            NavItem(_("调解员名册"), "court:roster", "court.mediatorprofile"),
            NavItem(_("收案登记"), "court:receive", "court.courtcase", action="add"),
            NavItem(_("诉前调解台账导入"), "court:import", "court.courtcase", action="add"),
        ):
            if item not in REGISTRY:  # ready() may run twice in some test set-ups
                REGISTRY.append(item)

        from .demo import load_demo_court

        register_demo("court", load_demo_court, after=["orgs", "disputes"])

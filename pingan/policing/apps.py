from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicingConfig(AppConfig):
    name = "pingan.policing"
    label = "policing"
    verbose_name = _("公安基层工作")

    def ready(self) -> None:
        from pingan.core.demo import register as register_demo
        from pingan.orgs.navigation import PANELS, REGISTRY, HomePanel, NavItem
        from pingan.orgs.seed import register_permission_file

        from . import tasks, workflow  # noqa: F401  (declares the hazard workflow and periodic jobs)
        from .seed import PERMISSIONS_FILE

        register_permission_file(PERMISSIONS_FILE)
        items = [
            NavItem(_("包保走访"), "policing:queue", "policing.visit"),
            NavItem(_("隐患排查"), "policing:hazard_list", "policing.hazard"),
            NavItem(_("重点人员"), "policing:risk_list", "policing.riskperson"),
        ]
        for item in items:
            if item not in REGISTRY:  # ready() may run twice in some test set-ups
                REGISTRY.append(item)
        panel = HomePanel("policing/panels/queue.html", "policing.visit",
                          roles=("police_officer", "auxiliary_officer"), order=50)
        if panel not in PANELS:
            PANELS.append(panel)

        from .demo import load_demo_policing

        register_demo("policing", load_demo_policing, after=["orgs", "disputes"])

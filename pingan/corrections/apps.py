from pathlib import Path

from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    name = "pingan.corrections"
    label = "corrections"
    verbose_name = "社区矫正"

    def ready(self) -> None:
        from pingan.orgs.seed import register_permission_file

        from . import handlers, tasks, workflow  # noqa: F401  (register handlers, periodic jobs, workflows)

        register_permission_file(Path(__file__).parent / "data" / "permissions.json")

        from django.utils.translation import gettext_lazy as _

        from pingan.orgs.navigation import REGISTRY, NavItem

        for item in (NavItem(_("矫正指挥中心"), "corrections:command", "corrections.supervisee"),
                     NavItem(_("告警核查"), "corrections:alerts", "corrections.alert"),
                     NavItem(_("矫正审批"), "corrections:approvals", "corrections.sanction")):
            if item not in REGISTRY:
                REGISTRY.append(item)

        from pingan.core.demo import register as register_demo

        from .demo import load_demo

        register_demo("corrections", load_demo, after=["orgs"])
        # face check-in; search tasks, monitoring and evaluation: periodic scans, permission files
        from . import checkins_tasks, supervision_tasks, supervision_workflow  # noqa: F401

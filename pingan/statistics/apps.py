from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "pingan.statistics"
    label = "statistics"
    verbose_name = _("统计")

    def ready(self) -> None:
        from pingan.orgs.navigation import PANELS, REGISTRY, HomePanel, NavItem
        from pingan.orgs.seed import register_permission_file

        from . import metrics_agencies, metrics_disputes  # noqa: F401  (registers the metrics)
        from .seed import PERMISSIONS_FILE

        DOMAIN_TYPES = ("disputes.dispute", "court.courtcase", "procuratorate.minorcase", "policing.hazard",
                        "corrections.supervisee", "statistics.historicalfigure")

        register_permission_file(PERMISSIONS_FILE)
        # The menu entry shows to anyone who may view some domain's records; the page then
        # lists only the metrics of the domains the user may view.
        item = NavItem(_("统计"), "statistics:dashboard", DOMAIN_TYPES)
        if item not in REGISTRY:  # ready() may run twice in some test set-ups
            REGISTRY.append(item)
        panel = HomePanel("statistics/panels/leader.html", "statistics.historicalfigure",
                          roles=("district_leader",), order=50)
        if panel not in PANELS:
            PANELS.append(panel)

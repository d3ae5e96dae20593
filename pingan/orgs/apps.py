from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "pingan.orgs"
    label = "orgs"
    verbose_name = "组织与权限"

    def ready(self) -> None:
        from pingan.core.demo import register

        from . import demo

        register("orgs", demo.load)

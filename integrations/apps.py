from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self) -> None:
        # The Integration column and the pre-flight join closebooks' pages from here.
        from integrations.plugins import register

        register()

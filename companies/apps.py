from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = "Companies and teams"

    def ready(self) -> None:
        from companies import signin  # noqa: F401 - connects the lockout audit receiver

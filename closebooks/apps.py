from django.apps import AppConfig


class ClosebooksConfig(AppConfig):
    name = "closebooks"

    def ready(self) -> None:
        from leases.closed_months import register_closed_months

        from .selectors import closed_month_starts

        register_closed_months(closed_month_starts)

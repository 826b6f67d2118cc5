from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    def ready(self) -> None:
        # The tie-out joins the close readiness and follows each sync without either app
        # importing this one (dependencies run one way). Importing the hooks imports the
        # reports' tasks too, here rather than in a process's first close.
        from reports import drift_hooks, hooks

        hooks.connect()
        drift_hooks.register()  # the books-vs-schedule warning in the close preview

from django.urls import path

from integrations import views

urlpatterns = [
    path("settings/integrations/", views.integration_settings, name="integration_settings"),
    path("integrations/periods/<int:pk>/sync/", views.period_sync, name="period_sync"),
    path(
        "integrations/periods/<int:pk>/status/", views.period_sync_status, name="period_sync_status"
    ),
    path(
        "integrations/periods/<int:pk>/send-again/",
        views.period_send_again,
        name="period_send_again",
    ),
    path("integrations/periods/<int:pk>/plan/", views.period_sync_plan, name="period_sync_plan"),
    path("settings/integrations/sync/", views.sync_settings, name="sync_settings"),
    path("integrations/runs/<int:pk>/", views.sync_run_detail, name="sync_run_detail"),
    path("integrations/runs/<int:pk>/errors/", views.sync_run_errors, name="sync_run_errors"),
    path("integrations/runs/<int:pk>/retry/", views.sync_run_retry_view, name="sync_run_retry"),
    path("settings/integrations/mappings/", views.reference_mappings, name="reference_mappings"),
    path(
        "settings/integrations/mappings/<int:pk>/delete/",
        views.reference_mapping_remove,
        name="reference_mapping_remove",
    ),
    path("integrations/log/", views.integration_log, name="integration_log"),
    path("settings/integrations/reference-data/", views.reference_data, name="reference_data"),
    path(
        "settings/integrations/reference-data/refresh/",
        views.reference_data_refresh,
        name="reference_data_refresh",
    ),
    path(
        "settings/integrations/reference-data/status/",
        views.reference_data_status,
        name="reference_data_status",
    ),
]

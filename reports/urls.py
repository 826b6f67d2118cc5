from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.index, name="reports_index"),
    path("reports/roll-forward/", views.rollforward_view, name="reports_rollforward"),
    path("reports/disclosures/", views.disclosures_view, name="reports_disclosures"),
    path("reports/journal-register/", views.register_view, name="reports_register"),
    path("reports/trial-balance/", views.trial_balance_view, name="reports_trial_balance"),
    path("reports/books-vs-schedule/", views.drift_view, name="reports_drift"),
    path("reports/tie-out/", views.tieout_list, name="reports_tieout_list"),
    path("reports/tie-out/<int:pk>/", views.tieout_detail, name="reports_tieout"),
    path("reports/tie-out/<int:pk>/run/", views.tieout_start_view, name="reports_tieout_run"),
]

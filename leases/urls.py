from django.urls import path

from leases import change_views, opening_balance_views, portfolio_views, variable_views, views

urlpatterns = [
    path("", views.lease_list, name="lease_list"),
    path("new/", views.lease_create_view, name="lease_create"),
    # Inline validation: one field checked by the form's own rules, answered as JSON.
    path("new/check/", views.lease_form_check, name="lease_form_check"),
    path("<int:pk>/edit/check/", views.lease_form_check, name="lease_edit_check"),
    path("<int:pk>/change/check/", views.lease_change_check, name="lease_change_check"),
    path("import/", views.lease_import, name="lease_import"),
    path("import/template.csv", views.lease_import_template, name="lease_import_template"),
    path("portfolio/", portfolio_views.portfolio_upload, name="portfolio_upload"),
    path("portfolio/import/", portfolio_views.portfolio_confirm, name="portfolio_confirm"),
    path("portfolio/template.xlsx", portfolio_views.portfolio_template, name="portfolio_template"),
    path("<int:pk>/", views.lease_detail, name="lease_detail"),
    path("<int:pk>/edit/", views.lease_edit, name="lease_edit"),
    path("<int:pk>/activate/", views.lease_activate_view, name="lease_activate"),
    path(
        "<int:pk>/approve-changes/",
        views.lease_approve_changes_view,
        name="lease_approve_changes",
    ),
    path("<int:pk>/change/", change_views.lease_change, name="lease_change"),
    path(
        "<int:pk>/opening-balances/",
        opening_balance_views.lease_opening_balances,
        name="lease_opening_balances",
    ),
    path(
        "changes/<int:pk>/approve/",
        change_views.lease_change_approve_view,
        name="lease_change_approve",
    ),
    path(
        "changes/<int:pk>/withdraw/",
        change_views.lease_change_withdraw_view,
        name="lease_change_withdraw",
    ),
    path("changes/pending/", change_views.lease_changes_pending, name="lease_changes_pending"),
    path("changes/import/", change_views.lease_changes_import_view, name="lease_changes_import"),
    path(
        "changes/import/template.csv",
        change_views.lease_changes_template,
        name="lease_changes_template",
    ),
    path(
        "<int:pk>/variable-payments/",
        variable_views.lease_variable_payments,
        name="lease_variable_payments",
    ),
    path(
        "variable-payments/<int:pk>/delete/",
        variable_views.lease_variable_payment_delete,
        name="lease_variable_payment_delete",
    ),
    path("<int:pk>/schedule.csv", views.lease_schedule_csv, name="lease_schedule_csv"),
    path("<int:pk>/schedule.xlsx", views.lease_schedule_xlsx, name="lease_schedule_xlsx"),
    path("settings/gl-defaults/", views.accounting_defaults_edit, name="accounting_defaults"),
    path("settings/accounts/", views.chart_of_accounts, name="chart_of_accounts"),
    path(
        "settings/accounts/template.csv",
        views.chart_of_accounts_template,
        name="chart_of_accounts_template",
    ),
    path("settings/entities/", views.entities, name="lease_entities"),
]

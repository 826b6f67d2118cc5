from django.urls import path

from closebooks import golive_views, views

urlpatterns = [
    path("close-books/", views.close_books, name="close_books"),
    path("close-books/closed/", views.closed_periods, name="closed_periods"),
    path("close-books/periods/<int:pk>/preview/", views.period_preview_view, name="period_preview"),
    path(
        "close-books/periods/<int:pk>/preview.csv",
        views.period_preview_csv,
        name="period_preview_csv",
    ),
    path("close-books/periods/<int:pk>/close/", views.period_close_view, name="period_close"),
    path("close-books/periods/<int:pk>/closing/", views.period_closing, name="period_closing"),
    path(
        "close-books/periods/<int:pk>/closing/status/",
        views.period_closing_status,
        name="period_closing_status",
    ),
    path(
        "close-books/periods/<int:pk>/close/confirm/",
        views.period_close_confirm,
        name="period_close_confirm",
    ),
    path("close-books/periods/<int:pk>/entries/", views.period_entries, name="period_entries"),
    path(
        "close-books/periods/<int:pk>/entries.csv",
        views.period_entries_csv,
        name="period_entries_csv",
    ),
    path("close-books/periods/<int:pk>/reopen/", views.period_reopen, name="period_reopen"),
    path("close-books/entries/<int:pk>/", views.journal_entry_detail, name="journal_entry_detail"),
    path("settings/go-live/", golive_views.golive_settings, name="golive_settings"),
]

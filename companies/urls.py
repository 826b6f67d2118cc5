from django.urls import path

from companies import views

urlpatterns = [
    path("company/switch/", views.switch_company, name="switch_company"),
    path("profile/", views.profile, name="profile"),
    path("settings/", views.settings_index, name="settings_index"),
    path("settings/company/", views.company_settings, name="company_settings"),
    path("settings/teams/", views.team_list, name="team_list"),
    path("settings/teams/<int:pk>/", views.membership_edit, name="membership_edit"),
    path("settings/audit-log/", views.audit_log, name="audit_log"),
]

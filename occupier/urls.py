from django.contrib import admin
from django.urls import include, path

from companies import signin
from occupier import dashboard
from occupier.health import health
from occupier.metrics import metrics

urlpatterns = [
    # The home page reads every app (next close, syncs, approvals), so it lives here.
    path("", dashboard.home, name="home"),
    path("", include("companies.urls")),
    path("accounting/", include("closebooks.urls")),
    path("accounting/", include("reports.urls")),
    # Before Django's own: the reset email links to SITE_URL; the second factor pages.
    path("accounts/password_reset/", signin.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/second-factor/", signin.second_factor, name="mfa_verify"),
    path("accounts/second-factor/setup/", signin.second_factor_setup, name="mfa_setup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("leases/", include("leases.urls")),
    path("", include("integrations.urls")),
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
]

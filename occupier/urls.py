from django.contrib import admin
from django.urls import include, path

from occupier.health import health

urlpatterns = [
    path("", include("companies.urls")),
    path("accounting/", include("closebooks.urls")),
    path("accounting/", include("reports.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("leases/", include("leases.urls")),
    path("", include("integrations.urls")),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
]

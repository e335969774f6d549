from django.contrib import admin
from django.urls import include, path

from dashboard.views import dashboard
from partners.urls import auth_urlpatterns
from tecnosign.accounts.urls import webauthn_urlpatterns

from . import views
from .health import healthz
from .observability.views import metrics, readyz
from .security_headers import csp_report

admin.site.site_header = "TecnoSign — retaguarda"
admin.site.site_title = "TecnoSign"
admin.site.index_title = "Operação"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("readyz", readyz, name="readyz"),  # readiness: also the workers' heartbeat and the CA
    path("metrics", metrics, name="metrics"),  # Prometheus; a bearer token or staff with the permission
    path("csp-report/", csp_report, name="csp-report"),  # the browsers' Content-Security-Policy violation reports
    # The management dashboard: an admin page (the staff session, its second factor) that reads every app.
    path("admin/painel/", admin.site.admin_view(dashboard), name="management_dashboard"),
    path("admin/", admin.site.urls),
    path("conta/", include("tecnosign.accounts.urls")),  # the second factor: set up, verify, recovery codes
    path("conta/webauthn/", include(webauthn_urlpatterns)),
    path("parceiros/", include("partners.urls")),
    path("", include("tokens.urls")),
    path("api/", include("partners.api.urls")),  # partners' REST API (v1), its OpenAPI schema and docs
    path("ajuda/", include("tecnosign.helpcenter.urls")),
    *auth_urlpatterns,
    path("", include("issuance.urls")),
    path("", include("scheduling.urls")),
    path("", include("revocation.urls")),
    path("", include("renewal.urls")),  # /renovar/: renewing a certificate (reminders, partners, online renewal)
    path("", include("privacy.urls")),  # /privacidade/ (the notice) and the holder's LGPD rights
    path("", include("orders.urls")),
]

handler404 = "tecnosign.views.not_found"
handler500 = "tecnosign.views.server_error"

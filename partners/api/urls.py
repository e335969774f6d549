from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import renewals, views

router = SimpleRouter(trailing_slash=True)
router.register("links", views.LinkViewSet, basename="link")
router.register("orders", views.OrderViewSet, basename="order")
router.register("renewals", renewals.RenewalViewSet, basename="renewal")

v1 = [
    *router.urls,
    path("commissions/", views.CommissionStatementView.as_view(), name="commission-statement"),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api-v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # ReDoc's search runs in a worker it makes from a blob: of its own bundle.
    path(
        "redoc/",
        csp_update({"worker-src": ["'self'", "blob:"]})(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
]

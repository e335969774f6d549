from django.urls import path

from . import views

app_name = "issuance"

urlpatterns = [
    path("pedido/<str:number>/emitir/", views.a1_issue_view, name="a1-issue"),
    # Named in every certificate: keep these paths stable.
    path("ac/<slug:slug>.crl", views.crl, name="crl"),
    path("ac/<slug:slug>.crt", views.ca_certificate, name="ca-certificate"),
    path("ac/ocsp", views.ocsp_post, name="ocsp"),
    path("ac/ocsp/<path:encoded>", views.ocsp_get, name="ocsp-get"),
]

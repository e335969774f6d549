from django.urls import path

from . import views, views_a1

app_name = "issuance"

urlpatterns = [
    path("pedido/<str:number>/emitir/", views_a1.a1_issue_page, name="a1-issue"),
    path("pedido/<str:number>/emitir/autorizar/", views_a1.a1_authorise, name="a1-authorise"),
    path("pedido/<str:number>/emitir/csr/", views_a1.a1_csr, name="a1-csr"),
    # Named in every certificate: keep these paths stable.
    path("ac/<slug:slug>.crl", views.crl, name="crl"),
    path("ac/<slug:slug>.crt", views.ca_certificate, name="ca-certificate"),
    path("ac/ocsp", views.ocsp_post, name="ocsp"),
    path("ac/ocsp/<path:encoded>", views.ocsp_get, name="ocsp-get"),
]

from django.urls import path

from . import views, views_a1, views_a3

app_name = "tokens"

urlpatterns = [
    path("ajuda/midias/", views.media_help_index, name="help-index"),
    path("ajuda/midias/<slug:slug>/", views.media_help, name="help-media"),
    path("token/", views.self_service, name="self-service"),
    path("pedido/<str:number>/emitir/agente/", views_a1.a1_agent, name="a1-agent"),
    path("pedido/<str:number>/instalar/", views_a3.a3_install, name="a3-install"),
    path("pedido/<str:number>/instalar/autorizar/", views_a3.a3_authorise, name="a3-authorise"),
    path("pedido/<str:number>/instalar/csr/", views_a3.a3_csr, name="a3-csr"),
    path("pedido/<str:number>/instalar/certificado/", views_a3.a3_installed_certificate, name="a3-certificate"),
]

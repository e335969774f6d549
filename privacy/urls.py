from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacidade/", views.notice, name="notice"),
    path("privacidade/aviso/<str:version>/", views.notice, name="notice-version"),
    path("pedido/<str:number>/privacidade/", views.rights, name="rights"),
    path("privacidade/confirmar/<str:token>/", views.confirm, name="confirm"),
    path("privacidade/solicitacoes/<uuid:public_id>/", views.result, name="result"),
    path("privacidade/solicitacoes/<uuid:public_id>/dados.<str:fmt>", views.download, name="download"),
]

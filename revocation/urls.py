from django.urls import path

from . import views, views_holder

app_name = "revocation"

urlpatterns = [
    path("revogar/", views.lookup, name="lookup"),
    # Before revogar/<serial>/: "urgente" and "reemissao" are not serials.
    path("revogar/urgente/", views_holder.urgent_request, name="urgent-request"),
    path("revogar/urgente/<str:token>/", views_holder.urgent, name="urgent"),
    path("revogar/reemissao/<str:token>/", views_holder.reissue, name="reissue"),
    path("revogar/reemissao/<str:token>/nao-fui-eu/", views_holder.reissue_stop_view, name="reissue-stop"),
    path("pedido/<str:number>/reemissao/reenviar/", views_holder.reissue_resend, name="reissue-resend"),
    path("pedido/<str:number>/reemissao/sem-acesso/", views_holder.reissue_no_access, name="reissue-no-access"),
    path("revogar/<str:serial>/", views.certificate_page, name="certificate"),
    path("revogar/<str:serial>/carta/", views.letter_request, name="letter-request"),
    path("revogar/<str:serial>/carta.pdf", views.letter_download, name="letter-download"),
    path("revogar/<str:serial>/carta/envio/", views.letter_send, name="letter-send"),
    path("revogar/<str:serial>/carta/cancelar/", views.letter_withdraw, name="letter-cancel"),
    path("retaguarda/revogacoes/<uuid:public_id>/carta/", views.letter_file, name="letter-file"),
]

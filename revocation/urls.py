from django.urls import path

from . import views

app_name = "revocation"

urlpatterns = [
    path("revogar/", views.lookup, name="lookup"),
    path("revogar/<str:serial>/", views.certificate_page, name="certificate"),
    path("revogar/<str:serial>/carta/", views.letter_request, name="letter-request"),
    path("revogar/<str:serial>/carta.pdf", views.letter_download, name="letter-download"),
    path("revogar/<str:serial>/carta/envio/", views.letter_send, name="letter-send"),
    path("revogar/<str:serial>/carta/cancelar/", views.letter_withdraw, name="letter-cancel"),
    path("retaguarda/revogacoes/<uuid:public_id>/carta/", views.letter_file, name="letter-file"),
]

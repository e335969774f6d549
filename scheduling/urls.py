from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("pedido/<str:number>/agendar/", views.book, name="book"),
    path("pedido/<str:number>/agendar/cancelar/", views.cancel, name="cancel"),
    path("pedido/<str:number>/agendar/convite.ics", views.invite, name="invite"),
    path("pedido/<str:number>/agendar/acesso/<str:token>/", views.access, name="access"),
    path("parceiros/pedidos/<str:number>/agendar/", views.partner_book, name="partner-book"),
    path("parceiros/pedidos/<str:number>/agendar/cancelar/", views.partner_cancel, name="partner-cancel"),
]

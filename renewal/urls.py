from django.urls import path

from . import views

app_name = "renewal"

urlpatterns = [
    path("renovar/<str:token>/", views.start, name="start"),
    path("pedido/<str:number>/renovacao-online/", views.online, name="online"),
    path("pedido/<str:number>/renovacao-online/assinar/", views.online_sign, name="online-sign"),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("credenciamento/", views.register, name="register"),
]

auth_urlpatterns = [
    path("parceiros/entrar/", auth_views.LoginView.as_view(template_name="partners/login.html"), name="partner-login"),
    path("parceiros/sair/", auth_views.LogoutView.as_view(), name="partner-logout"),
]

from django.urls import path

from . import views

app_name = "tokens"

urlpatterns = [
    path("ajuda/midias/", views.media_help_index, name="help-index"),
    path("ajuda/midias/<slug:slug>/", views.media_help, name="help-media"),
    path("token/", views.self_service, name="self-service"),
]

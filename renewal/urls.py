from django.urls import path

from . import views

app_name = "renewal"

urlpatterns = [
    path("renovar/<str:token>/", views.start, name="start"),
]

from django.urls import path

from . import views

app_name = "helpcenter"

urlpatterns = [
    path("", views.help_index, name="index"),
    path("artigos/<slug:slug>/", views.help_article, name="article"),
]

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("l/<str:code>/", views.link_page, name="link"),
    path("l/<str:code>/<slug:product_code>/", views.checkout, name="checkout"),
    path("pedido/", views.order_lookup_view, name="lookup"),
    path("pedido/acesso/<str:token>/", views.order_access, name="access"),
    path("pedido/<str:number>/", views.order_detail, name="detail"),
]

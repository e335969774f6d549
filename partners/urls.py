from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views, views_commissions, views_links, views_renewals, views_tokens
from .views_auth import PartnerLoginView, PartnerPasswordResetView

app_name = "partners"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("credenciamento/", views.register, name="register"),
    path("perfil/", views.profile, name="profile"),
    path("pedidos.csv", views.orders_csv, name="orders-csv"),
    path("pedidos-completos.csv", views.orders_csv_full, name="orders-csv-full"),
    path("pedidos/<str:number>/", views.order_detail, name="order"),
    path("pedidos/<str:number>/reenviar-pagamento/", views.order_resend_payment, name="order-resend-payment"),
    path(
        "pedidos/<str:number>/reenviar-confirmacao/",
        views.order_resend_holder_link,
        name="order-resend-holder-link",
    ),
    path("links/", views_links.links, name="links"),
    path("links/novo/", views_links.link_new, name="link-new"),
    path("links/<str:code>/", views_links.link_edit, name="link"),
    path("links/<str:code>/pausar/", views_links.link_toggle, {"active": False}, name="link-pause"),
    path("links/<str:code>/retomar/", views_links.link_toggle, {"active": True}, name="link-resume"),
    path("links/<str:code>/qrcode.png", views_links.link_qrcode, name="link-qrcode"),
    path("renovacoes/", views_renewals.renewals, name="renewals"),
    path("renovacoes/<int:pk>/enviar-link/", views_renewals.renewal_send, name="renewal-send"),
    path("comissoes/", views_commissions.statement, name="commissions"),
    path("comissoes/<str:month>.csv", views_commissions.statement_csv, name="commissions-csv"),
    path("api/", views_tokens.tokens, name="tokens"),
    path("api/<int:pk>/revogar/", views_tokens.token_revoke, name="token-revoke"),
]

auth_urlpatterns = [
    path("parceiros/entrar/", PartnerLoginView.as_view(), name="partner-login"),
    path("parceiros/sair/", auth_views.LogoutView.as_view(), name="partner-logout"),
    path("parceiros/senha/", PartnerPasswordResetView.as_view(), name="partner-password-reset"),
    path(
        "parceiros/senha/enviada/",
        auth_views.PasswordResetDoneView.as_view(template_name="partners/password_reset_done.html"),
        name="partner-password-reset-done",
    ),
    path(
        "parceiros/senha/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="partners/password_reset_confirm.html",
            success_url=reverse_lazy("partner-password-reset-complete"),
        ),
        name="partner-password-reset-confirm",
    ),
    path(
        "parceiros/senha/concluida/",
        auth_views.PasswordResetCompleteView.as_view(template_name="partners/password_reset_complete.html"),
        name="partner-password-reset-complete",
    ),
]

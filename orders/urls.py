from django.urls import path

from . import views, views_access, views_documents, views_holder, views_payment, views_terms

app_name = "orders"

urlpatterns = [
    path("l/<str:code>/", views.link_page, name="link"),
    path("l/<str:code>/<slug:product_code>/", views.checkout, name="checkout"),
    path("pedido/confirmar/<str:token>/", views_holder.holder_confirm, name="holder-confirm"),
    path("pedido/confirmar/<str:token>/dados-errados/", views_holder.holder_decline, name="holder-decline"),
    path("pedido/", views.order_lookup_view, name="lookup"),
    path("pedido/acesso/<str:token>/", views_access.order_access, name="access"),
    path("pedido/link/", views_access.access_link_request, name="access-link"),
    path("pedido/<str:number>/", views.order_detail, name="detail"),
    path("pedido/<str:number>/pagamento/", views_payment.payment_choose, name="pay"),
    path("pedido/<str:number>/pagamento/cartao/", views_payment.payment_card, name="pay-card"),
    path("pedido/<str:number>/pagamento/simular/", views_payment.payment_simulate, name="pay-simulate"),
    path("pedido/<str:number>/boleto.pdf", views_payment.boleto_pdf_view, name="boleto-pdf"),
    path("pedido/<str:number>/desistir/", views_payment.withdraw, name="withdraw"),
    path("pedido/<str:number>/documentos/", views_documents.documents_upload, name="documents"),
    path("pedido/<str:number>/termo.pdf", views_terms.term_pdf, name="term-pdf"),
    path("pedido/<str:number>/termo/", views_terms.term_accept_view, name="term-accept"),
    path("payments/webhooks/<str:gateway>/", views_payment.webhook, name="payment-webhook"),
    # The API Pix posts to <registered webhookUrl>/pix (no trailing slash): PIX_WEBHOOK_URL ends in /api_pix.
    path("payments/webhooks/api_pix/pix", views_payment.webhook, {"gateway": "api_pix"}, name="payment-webhook-pix"),
    path("retaguarda/documentos/<uuid:public_id>/arquivo/", views_documents.document_file, name="document-file"),
]

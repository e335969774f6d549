"""Pages with personal data or documents are never stored by a browser or a proxy (`Cache-Control: no-store`).

One rule for the whole portal instead of a decorator on every view: what answers under these paths shows a CPF,
an order, a document, a partner's clients or the back office, to one person only. Public pages (home, help centre,
a partner's link page, the CA's CRL and certificates) are left alone and stay cacheable.
"""

from django.utils.cache import patch_cache_control

PRIVATE_PATH_PREFIXES = (
    "/pedido/",  # the order and everything under it: payment, documents, booking, issuance, A3 install
    "/revogar/",
    "/parceiros/",  # the partner area, its login and password reset included
    "/api/v1/",  # the partners' API
    "/admin/",  # Django's admin views are never_cache already; its other answers (login redirects) too
    "/retaguarda/",  # staff reading a customer's document or revocation letter
    "/privacidade/confirmar/",  # the holder's LGPD requests: confirmation and the answer (the copy of the data)
    "/privacidade/solicitacoes/",
)
# Views outside those paths that answer with what a customer typed (the checkout form, re-shown with its errors).
PRIVATE_VIEWS = {"orders:checkout"}


def is_private(request) -> bool:
    if request.path.startswith(PRIVATE_PATH_PREFIXES):
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in PRIVATE_VIEWS


class PrivatePagesNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_private(request):
            patch_cache_control(response, no_store=True, private=True)
        return response

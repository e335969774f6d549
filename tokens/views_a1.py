"""A1 issuance through the local agent, for a browser that cannot make the key itself (no Web Crypto RSA).

The key is still born on the customer's computer, never at the portal: the page (static/tokens/emitir-a1-agente.js)
sends the issuance password and then the request to the issuance app's endpoints (issuance.views_a1), exactly as the
issuance page does, and has the agent make the key pair and its request (tokens.agent.software) and then write the
.pfx with the customer's password in the agent's folder. The file's password goes only to the agent.
"""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from issuance.services import a1_check_issuable
from orders.decorators import customer_order_view
from orders.models import Order
from tecnosign.errors import DomainError

from .views import local_agent_connections


@never_cache
@require_GET
@local_agent_connections
@customer_order_view
def a1_agent(request, order: Order):
    context = {
        "order": order,
        "agent_default_url": settings.TOKENS_AGENT_DEFAULT_URL,
        "key_bits": settings.A1_KEY_SIZE,
        "state": "issuable",
        "blocked": "",
    }
    try:
        a1_check_issuable(order)
    except DomainError as error:
        context.update(state="blocked", blocked=error.message)
    return render(request, "tokens/a1_agent.html", context)

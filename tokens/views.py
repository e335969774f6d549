from csp.decorators import csp_update
from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from .catalog import GUIDES, GUIDES_BY_SLUG


def media_help_index(request):
    return render(request, "tokens/help_index.html", {"guides": GUIDES})


def media_help(request, slug: str):
    guide = GUIDES_BY_SLUG.get(slug)
    if guide is None:
        raise Http404("Mídia desconhecida")
    return render(request, "tokens/help_media.html", {"guide": guide, "guides": GUIDES})


# The pages that drive the customer's local agent call it from the browser; it listens on loopback only
# (tokens/agent refuses any other host), so that is all the Content-Security-Policy lets them reach besides the portal.
local_agent_connections = csp_update({"connect-src": ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]})


@local_agent_connections
def self_service(request):
    """The customer's browser drives the agent on their own computer; the portal serves only the page."""
    return render(
        request,
        "tokens/self_service.html",
        {"agent_default_url": settings.TOKENS_AGENT_DEFAULT_URL, "guides": GUIDES},
    )

"""The videoconference link of a booking, from `settings.VIDEOCONFERENCE_PROVIDER`.

"jitsi" (default): a new room per booking whose name carries 128 random bits, so nobody can guess or
enumerate another customer's room. "agent": the agent's fixed Teams/Zoom/Webex link (`AgentProfile`).
"""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

PROVIDERS = ("jitsi", "agent")
ROOM_RANDOM_BYTES = 16  # 128 bits

MEETING_HOSTS = {
    "teams": ("teams.microsoft.com", "teams.live.com"),
    "zoom": ("zoom.us",),
    "webex": ("webex.com",),
}


def validate_meeting_url(provider: str, url: str) -> None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    allowed = MEETING_HOSTS.get(provider, ())
    if parts.scheme != "https" or not any(host == name or host.endswith("." + name) for name in allowed):
        raise ValidationError(
            {"meeting_url": f"O link deve começar com https:// e ser de {' ou '.join(allowed) or 'uma plataforma'}."}
        )


def agents_need_fixed_links() -> bool:
    return settings.VIDEOCONFERENCE_PROVIDER == "agent"


def jitsi_room_url() -> str:
    return f"{settings.JITSI_BASE_URL}/TecnoSign-{secrets.token_hex(ROOM_RANDOM_BYTES)}"


def video_url_for(agent) -> str:
    """The link for a booking with `agent`. In "agent" mode only agents with a link are ever assigned."""
    if agents_need_fixed_links():
        return agent.agent_profile.meeting_url
    return jitsi_room_url()

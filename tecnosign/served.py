"""The address `manage.py runserver` serves, for the embedded default of SITE_URL.

Read by the settings before Django is set up: only the standard library and runserver's own address pattern.
"""

import re

# django.core.management.commands.runserver.naiveip_re, without importing the server at settings time.
_ADDRPORT = re.compile(
    r"""^(?:
(?P<addr>
    (?P<ipv4>\d{1,3}(?:\.\d{1,3}){3}) |         # IPv4 address
    (?P<ipv6>\[[a-fA-F0-9:]+\]) |               # IPv6 address
    (?P<fqdn>[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*) # FQDN
):)?(?P<port>\d+)$""",
    re.X,
)
_ANY_ADDRESS = {"0.0.0.0", "0", "[::]"}  # noqa: S104 (a name for "every interface", not a bind)


def served_site_url(argv: list[str]) -> str | None:
    """`http://host:port` when this process is `manage.py runserver [addr:]port`, else None.

    A server on every interface (0.0.0.0) is reached at 127.0.0.1 from the machine it runs on."""
    if len(argv) < 2 or argv[1] != "runserver":
        return None
    positional = [arg for arg in argv[2:] if not arg.startswith("-")]
    if not positional:
        return "http://127.0.0.1:8000"
    match = _ADDRPORT.match(positional[0])
    if match is None:
        return None
    host = match["addr"] or "127.0.0.1"
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    return f"http://{host}:{match['port']}"

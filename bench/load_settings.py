"""Settings of the gunicorn that bench/load.py starts: the production settings, plus one bare view.

Only the URLconf changes, so the portal's own URLs stay free of bench-only routes. bench/load.py's environment
makes it a staging deployment (DEBUG=0, the sandbox gateway explicitly allowed with SANDBOX_ALLOWED=1).
"""

from tecnosign.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
# Production sits behind TLS; the bench talks plain HTTP on loopback, where a client never returns a Secure cookie.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

"""Settings of the gunicorn that bench/load.py starts: the production settings, plus one bare view.

Only the URLconf changes, so the portal's own URLs stay free of bench-only routes. bench/load.py's environment
makes it a staging deployment (DEBUG=0, the sandbox gateway explicitly allowed with SANDBOX_ALLOWED=1).
"""

import os

from tecnosign.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
# Production sits behind TLS; the bench talks plain HTTP on loopback, where a client never returns a Secure cookie.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# bench/pages.py compares the checkout under Django's own Argon2 parameters (BENCH_PASSWORD_HASHER) with ours.
if hasher := os.environ.get("BENCH_PASSWORD_HASHER"):
    PASSWORD_HASHERS = [hasher, *[name for name in PASSWORD_HASHERS if name != hasher]]  # noqa: F405

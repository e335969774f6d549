"""Refuse to start a process whose configuration is unsafe to serve with.

`manage.py` commands run the system checks themselves; gunicorn (wsgi.py, asgi.py) and the Celery worker and beat
(tecnosign/celery.py) do not, so they call `refuse_unsafe_start()`. It runs the checks tagged `STARTUP` — the
rules a production process must never break (the sandbox gateway with DEBUG off, a weak CA passphrase) — the same
checks `manage.py check` reports, so the rule lives once, in its app's checks module.
"""

import django
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Tag of the checks every process runs before serving (register with `@checks.register(STARTUP)`).
STARTUP = "tecnosign_startup"


def startup_errors() -> list[checks.CheckMessage]:
    """The Error-level findings of the start-up checks (silenced ones left out, as `manage.py check` does)."""
    django.setup()  # a no-op once the apps are loaded; registers every app's checks when they are not yet
    return [
        message for message in checks.run_checks(tags=[STARTUP]) if message.is_serious() and not message.is_silenced()
    ]


def refuse_unsafe_start() -> None:
    """Raise ImproperlyConfigured, naming each problem, when a start-up check fails."""
    errors = startup_errors()
    if errors:
        problems = "\n".join(f"  {error}" for error in errors)
        raise ImproperlyConfigured(f"TecnoSign refuses to start with this configuration:\n{problems}")

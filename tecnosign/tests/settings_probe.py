"""What tecnosign.settings makes of an environment, read in a fresh interpreter (settings are read at import)."""

import json
import os
import subprocess
import sys

from django.conf import settings


def settings_under(environment: dict[str, str], expression: str):
    """The JSON value of `expression` (Python, with `settings` in scope) under the production settings module with
    `environment` added to this process's own (less the PRIVATE_* and DB_* variables, so only `environment` counts)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PRIVATE_", "DB_"))},
        "DJANGO_SETTINGS_MODULE": "tecnosign.settings",
        **environment,
    }
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({expression}, default=str))"
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])

"""Settings of the portal the PostgreSQL fault test serves with gunicorn: production (DEBUG=0, set by the test's
environment), except static files served unhashed, so the test needs no `collectstatic` run first."""

from tecnosign.settings import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

"""Settings of a web node of the cluster test: production (DEBUG=0 and the rest from the node's environment), except
static files served unhashed, so the test needs no `collectstatic` run first."""

from tecnosign.settings import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

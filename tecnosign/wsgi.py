import os

from django.core.wsgi import get_wsgi_application

from tecnosign.startup import refuse_unsafe_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tecnosign.settings")
application = get_wsgi_application()
# gunicorn runs no `manage.py check`: a worker that fails here never serves, and the master stops.
refuse_unsafe_start()

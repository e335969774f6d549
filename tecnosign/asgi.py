import os

from django.core.asgi import get_asgi_application

from tecnosign.startup import refuse_unsafe_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tecnosign.settings")
application = get_asgi_application()
refuse_unsafe_start()  # as in wsgi.py: no process serves a configuration the start-up checks refuse

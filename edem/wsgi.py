"""WSGI entry point (gunicorn edem.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edem.settings.dev")
application = get_wsgi_application()

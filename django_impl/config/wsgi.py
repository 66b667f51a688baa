"""WSGI entry point, served by gunicorn (sync or gthread workers)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_impl.config.settings")

application = get_wsgi_application()

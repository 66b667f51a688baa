"""ASGI entry point, served by uvicorn."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_impl.config.settings")
# Django's docs: under ASGI, persistent connections should be disabled (each request's
# sync code may run in a new thread, so a kept connection would be stranded there).
os.environ.setdefault("DJANGO_CONN_MAX_AGE", "0")

application = get_asgi_application()

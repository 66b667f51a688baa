"""ASGI entry point, served by uvicorn."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_impl.config.settings")
# Django's docs: under ASGI, persistent connections should be disabled (each request's sync code
# runs in a thread of its own, so a kept connection would be stranded there). Without them every
# request would open a connection of its own, so on PostgreSQL the connections are held in
# psycopg's pool instead (Django 5.1+), sized by DATABASE_POOL_SIZE like every server's.
os.environ.setdefault("DJANGO_CONN_MAX_AGE", "0")
os.environ.setdefault("DJANGO_DB_POOL", "1")

application = get_asgi_application()

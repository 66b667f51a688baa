"""pytest-django fixtures: `pytest django_impl/tests` from the repository root."""

import os

# Before anything imports Django: pytest-django then sets Django up with these settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_impl.config.settings")

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api() -> APIClient:
    """A DRF test client that answers with the error response instead of raising."""
    return APIClient(raise_request_exception=False)

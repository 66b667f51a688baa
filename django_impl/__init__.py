"""The Task API in Django REST Framework."""

"""The URL map: the task API, health, the OpenAPI document and its two viewers."""

from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer2
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from django_impl.tasks.views import HealthView

# GET and HEAD only: DRF's views would also list OPTIONS, which the API does not serve.
READ_ONLY = ["get", "head"]

urlpatterns = [
    path("api/v1/", include("django_impl.tasks.urls")),
    path("health", HealthView.as_view(), name="health"),
    # Served as application/json rather than drf-spectacular's application/vnd.oai.openapi+json.
    path(
        "openapi.json",
        SpectacularJSONAPIView.as_view(
            renderer_classes=[OpenApiJsonRenderer2], http_method_names=READ_ONLY
        ),
        name="openapi",
    ),
    path(
        "docs",
        SpectacularSwaggerView.as_view(url_name="openapi", http_method_names=READ_ONLY),
        name="swagger-ui",
    ),
    path(
        "redoc",
        SpectacularRedocView.as_view(url_name="openapi", http_method_names=READ_ONLY),
        name="redoc",
    ),
]

# Failures outside DRF's views answer with problem details too, never HTML.
handler400 = "django_impl.tasks.exceptions.bad_request"
handler403 = "django_impl.tasks.exceptions.permission_denied"
handler404 = "django_impl.tasks.exceptions.page_not_found"
handler500 = "django_impl.tasks.exceptions.server_error"

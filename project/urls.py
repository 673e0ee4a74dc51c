from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from apps.core.csp import with_csp
from apps.core.views import LoginPageView, TokenView, healthz
from apps.projects import pages

docs_csp = with_csp(settings.LABELFORGE_CSP_API_DOCS)

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("apps.projects.api.urls")),
    path("", include("apps.images.api.urls")),
    path("", include("apps.annotations.api.urls")),
    path("", include("apps.models.urls")),
    path("", include("apps.datasets.urls")),
    path("", include("apps.team.api.urls")),
    path("", include("apps.webhooks.urls")),
]

urlpatterns = [
    path("", pages.project_list_page, name="home"),
    path("projects/<int:project_id>/", pages.project_page, name="project-page"),
    path(
        "projects/<int:project_id>/label/<int:image_id>/",
        pages.labeller_page,
        name="labeller-page",
    ),
    path("projects/<int:project_id>/runs/<int:run_id>/", pages.run_page, name="run-page"),
    path(
        "projects/<int:project_id>/models/compare/",
        pages.model_compare_page,
        name="model-compare-page",
    ),
    path(
        "projects/<int:project_id>/models/<int:version_id>/",
        pages.model_page,
        name="model-page",
    ),
    path("accounts/login/", LoginPageView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # no inline script: the Swagger UI set-up script is /api/docs/?script (the split view)
    path(
        "api/docs/",
        docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        docs_csp(
            SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html")
        ),
        name="api-redoc",
    ),
    path("healthz", healthz, name="healthz"),
]

handler404 = "apps.core.views.not_found"
handler500 = "apps.core.views.server_error"

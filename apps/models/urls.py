from django.urls import path

from apps.models.autolabel.api import views as autoannotate
from apps.models.curation.api import views as curation
from apps.models.registry.api import views as registry
from apps.models.serving.api import predict, tokens
from apps.models.training.api import views

urlpatterns = [
    path("architectures/", views.ArchitectureListView.as_view(), name="architecture-list"),
    path("projects/<int:project_id>/training-runs/", views.RunListView.as_view(), name="run-list"),
    path(
        "projects/<int:project_id>/training-runs/check/",
        views.TrainingDataCheckView.as_view(),
        name="run-data-check",
    ),
    path("training-runs/<int:run_id>/", views.RunDetailView.as_view(), name="run-detail"),
    path("workers/", views.WorkersView.as_view(), name="workers"),
    path("training-runs/<int:run_id>/metrics/", views.RunMetricsView.as_view(), name="run-metrics"),
    path("training-runs/<int:run_id>/log/", views.RunLogView.as_view(), name="run-log"),
    path("training-runs/<int:run_id>/cancel/", views.RunCancelView.as_view(), name="run-cancel"),
    path("training-runs/<int:run_id>/resume/", views.RunResumeView.as_view(), name="run-resume"),
    path("training-runs/<int:run_id>/package/", views.RunPackageView.as_view(), name="run-package"),
    path(
        "projects/<int:project_id>/model-versions/",
        registry.VersionListView.as_view(),
        name="version-list",
    ),
    path(
        "projects/<int:project_id>/model-versions/import/",
        registry.VersionImportView.as_view(),
        name="version-import",
    ),
    path(
        "projects/<int:project_id>/stage-transitions/",
        registry.TransitionListView.as_view(),
        name="transition-list",
    ),
    path(
        "model-versions/<int:version_id>/",
        registry.VersionDetailView.as_view(),
        name="version-detail",
    ),
    path(
        "model-versions/<int:version_id>/promote/",
        registry.VersionPromoteView.as_view(),
        name="version-promote",
    ),
    path(
        "model-versions/<int:version_id>/download/",
        registry.VersionDownloadView.as_view(),
        name="version-download",
    ),
    path(
        "projects/<int:project_id>/predict/",
        predict.ProjectPredictView.as_view(),
        name="project-predict",
    ),
    path(
        "model-versions/<int:version_id>/predict/",
        predict.VersionPredictView.as_view(),
        name="version-predict",
    ),
    path(
        "projects/<int:project_id>/service-tokens/",
        tokens.ServiceTokenListView.as_view(),
        name="token-list",
    ),
    path(
        "service-tokens/<int:token_id>/",
        tokens.ServiceTokenDetailView.as_view(),
        name="token-detail",
    ),
    path(
        "projects/<int:project_id>/auto-annotate/",
        autoannotate.AutoAnnotateView.as_view(),
        name="auto-annotate",
    ),
    path(
        "projects/<int:project_id>/auto-annotation-runs/",
        autoannotate.AutoAnnotationRunListView.as_view(),
        name="autoannotate-list",
    ),
    path(
        "auto-annotation-runs/<int:run_id>/",
        autoannotate.AutoAnnotationRunDetailView.as_view(),
        name="autoannotate-detail",
    ),
    path(
        "auto-annotation-runs/<int:run_id>/cancel/",
        autoannotate.AutoAnnotationRunCancelView.as_view(),
        name="autoannotate-cancel",
    ),
    path(
        "model-versions/<int:version_id>/revert-predictions/",
        autoannotate.RevertPredictionsView.as_view(),
        name="version-revert-predictions",
    ),
    path(
        "projects/<int:project_id>/embeddings/",
        curation.EmbeddingsView.as_view(),
        name="embeddings",
    ),
    path(
        "embedding-runs/<int:run_id>/",
        curation.EmbeddingRunDetailView.as_view(),
        name="embedding-run-detail",
    ),
    path(
        "embedding-runs/<int:run_id>/cancel/",
        curation.EmbeddingRunCancelView.as_view(),
        name="embedding-run-cancel",
    ),
    path(
        "projects/<int:project_id>/embedding-spaces/",
        curation.EmbeddingSpacesView.as_view(),
        name="embedding-spaces",
    ),
    path(
        "projects/<int:project_id>/duplicates/",
        curation.DuplicatesView.as_view(),
        name="duplicates",
    ),
    path("projects/<int:project_id>/curation/", curation.CurationView.as_view(), name="curation"),
    path(
        "projects/<int:project_id>/curation/diverse/",
        curation.DiverseView.as_view(),
        name="curation-diverse",
    ),
    path(
        "projects/<int:project_id>/embedding-map/",
        curation.EmbeddingMapView.as_view(),
        name="embedding-map",
    ),
    path(
        "images/<int:image_id>/opinion/", curation.ImageOpinionView.as_view(), name="image-opinion"
    ),
]

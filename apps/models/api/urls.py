from django.urls import path

from . import views

urlpatterns = [
    path("architectures/", views.ArchitectureListView.as_view(), name="architecture-list"),
    path("projects/<int:project_id>/training-runs/", views.RunListView.as_view(), name="run-list"),
    path("training-runs/<int:run_id>/", views.RunDetailView.as_view(), name="run-detail"),
    path("training-runs/<int:run_id>/metrics/", views.RunMetricsView.as_view(), name="run-metrics"),
    path("training-runs/<int:run_id>/log/", views.RunLogView.as_view(), name="run-log"),
    path("training-runs/<int:run_id>/cancel/", views.RunCancelView.as_view(), name="run-cancel"),
    path("training-runs/<int:run_id>/resume/", views.RunResumeView.as_view(), name="run-resume"),
    path("training-runs/<int:run_id>/package/", views.RunPackageView.as_view(), name="run-package"),
]

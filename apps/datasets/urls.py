from django.urls import path

from apps.datasets.api import views

urlpatterns = [
    path("projects/<int:project_id>/imports/", views.ImportListView.as_view(), name="dataset-import-list"),
    path("imports/<int:import_id>/", views.ImportDetailView.as_view(), name="dataset-import-detail"),
    path("imports/<int:import_id>/cancel/", views.ImportCancelView.as_view(), name="dataset-import-cancel"),
    path("projects/<int:project_id>/exports/", views.ExportListView.as_view(), name="dataset-export-list"),
    path("exports/<int:export_id>/", views.ExportDetailView.as_view(), name="dataset-export-detail"),
    path("exports/<int:export_id>/cancel/", views.ExportCancelView.as_view(), name="dataset-export-cancel"),
    path("exports/<int:export_id>/download/", views.ExportDownloadView.as_view(),
         name="dataset-export-download"),
]  # fmt: skip

from django.urls import path

from apps.datasets.api import views, workbench

urlpatterns = [
    path("projects/<int:project_id>/imports/", views.ImportListView.as_view(), name="dataset-import-list"),
    path("imports/<int:import_id>/", views.ImportDetailView.as_view(), name="dataset-import-detail"),
    path("imports/<int:import_id>/cancel/", views.ImportCancelView.as_view(), name="dataset-import-cancel"),
    path("projects/<int:project_id>/exports/", views.ExportListView.as_view(), name="dataset-export-list"),
    path("exports/<int:export_id>/", views.ExportDetailView.as_view(), name="dataset-export-detail"),
    path("exports/<int:export_id>/cancel/", views.ExportCancelView.as_view(), name="dataset-export-cancel"),
    path("exports/<int:export_id>/download/", views.ExportDownloadView.as_view(),
         name="dataset-export-download"),
    path("projects/<int:project_id>/dataset/stats/", workbench.DatasetStatsView.as_view(),
         name="dataset-stats"),
    path("projects/<int:project_id>/dataset/clusters/", workbench.DatasetClustersView.as_view(),
         name="dataset-clusters"),
    path("projects/<int:project_id>/dataset/anchors/", workbench.DatasetAnchorsView.as_view(),
         name="dataset-anchors"),
    path("projects/<int:project_id>/dataset/remove-small-boxes/",
         workbench.RemoveSmallBoxesView.as_view(), name="dataset-remove-small-boxes"),
    path("projects/<int:project_id>/dataset/remove-duplicates/",
         workbench.RemoveDuplicatesView.as_view(), name="dataset-remove-duplicates"),
    path("projects/<int:project_id>/dataset/fix-outside/", workbench.FixOutsideView.as_view(),
         name="dataset-fix-outside"),
    path("projects/<int:project_id>/dataset/normalize-aspect/",
         workbench.NormalizeAspectView.as_view(), name="dataset-normalize-aspect"),
    path("projects/<int:project_id>/dataset/scale-classes/", workbench.ScaleClassesView.as_view(),
         name="dataset-scale-classes"),
    path("projects/<int:project_id>/dataset/operations/",
         workbench.DatasetOperationListView.as_view(), name="dataset-operation-list"),
    path("dataset-operations/<int:operation_id>/undo/",
         workbench.DatasetOperationUndoView.as_view(), name="dataset-operation-undo"),
]  # fmt: skip

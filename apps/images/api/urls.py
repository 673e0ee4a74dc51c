from django.urls import path

from . import batches, review, views

urlpatterns = [
    path("projects/<int:project_id>/images/", views.ImageListView.as_view(), name="image-list"),
    path(
        "projects/<int:project_id>/split/", views.ProjectSplitView.as_view(), name="project-split"
    ),
    path(
        "projects/<int:project_id>/videos/",
        views.ProjectVideosView.as_view(),
        name="project-videos",
    ),
    path(
        "projects/<int:project_id>/batches/",
        batches.ProjectBatchesView.as_view(),
        name="project-batches",
    ),
    path(
        "projects/<int:project_id>/batches/split/",
        batches.ProjectBatchSplitView.as_view(),
        name="project-batch-split",
    ),
    path("batches/", batches.BatchListView.as_view(), name="batch-list"),
    path("batches/<int:batch_id>/", batches.BatchDetailView.as_view(), name="batch-detail"),
    path("images/<int:image_id>/", views.ImageDetailView.as_view(), name="image-detail"),
    path(
        "images/<int:image_id>/neighbors/",
        views.ImageNeighborsView.as_view(),
        name="image-neighbors",
    ),
    path(
        "images/<int:image_id>/decision/",
        review.ImageDecisionView.as_view(),
        name="image-decision",
    ),
    path("images/<int:image_id>/issues/", review.ImageIssuesView.as_view(), name="image-issues"),
    path("images/<int:image_id>/events/", review.ImageEventsView.as_view(), name="image-events"),
    path("issues/<int:issue_id>/", review.IssueDetailView.as_view(), name="issue-detail"),
    path("images/<int:image_id>/file/", views.ImageFileView.as_view(), name="image-file"),
    path(
        "images/<int:image_id>/thumbnail/",
        views.ImageThumbnailView.as_view(),
        name="image-thumbnail",
    ),
]

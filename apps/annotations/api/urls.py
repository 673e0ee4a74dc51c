from django.urls import path

from . import views

urlpatterns = [
    path(
        "images/<int:image_id>/annotations/",
        views.ImageAnnotationListView.as_view(),
        name="image-annotations",
    ),
    path("images/<int:image_id>/history/", views.ImageHistoryView.as_view(), name="image-history"),
    path(
        "annotations/<int:annotation_id>/",
        views.AnnotationDetailView.as_view(),
        name="annotation-detail",
    ),
    path(
        "annotations/<int:annotation_id>/review/",
        views.AnnotationReviewView.as_view(),
        name="annotation-review",
    ),
    path("images/<int:image_id>/review/", views.ImageReviewView.as_view(), name="image-review"),
    path("images/<int:image_id>/crop/", views.ImageCropView.as_view(), name="image-crop"),
    path("images/<int:image_id>/segment/", views.ImageSegmentView.as_view(), name="image-segment"),
    path(
        "history/<int:event_id>/revert/",
        views.AnnotationEventRevertView.as_view(),
        name="history-revert",
    ),
]

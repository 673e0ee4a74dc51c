from django.urls import path

from . import notifications, views

urlpatterns = [
    path("notifications/", notifications.NotificationListView.as_view(), name="notification-list"),
    path(
        "notifications/read/",
        notifications.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:project_id>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:project_id>/labels/", views.LabelListView.as_view(), name="label-list"),
    path(
        "projects/<int:project_id>/labels/<int:label_id>/",
        views.LabelDetailView.as_view(),
        name="label-detail",
    ),
    path("projects/<int:project_id>/members/", views.MemberListView.as_view(), name="member-list"),
    path(
        "projects/<int:project_id>/members/<int:member_id>/",
        views.MemberDetailView.as_view(),
        name="member-detail",
    ),
]

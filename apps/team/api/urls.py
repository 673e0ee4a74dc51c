from django.urls import path

from . import quality, views

urlpatterns = [
    path("projects/<int:project_id>/team-stats/", views.TeamStatsView.as_view(), name="team-stats"),
    path(
        "projects/<int:project_id>/team-stats/daily/",
        views.TeamStatsDailyView.as_view(),
        name="team-stats-daily",
    ),
    path(
        "projects/<int:project_id>/team-stats/csv/",
        views.TeamStatsCsvView.as_view(),
        name="team-stats-csv",
    ),
    path("projects/<int:project_id>/activity/", views.ActivityView.as_view(), name="activity"),
    path("projects/<int:project_id>/gold/", quality.GoldReportView.as_view(), name="gold-report"),
    path(
        "projects/<int:project_id>/consensus/",
        quality.ProjectConsensusView.as_view(),
        name="project-consensus",
    ),
    path(
        "images/<int:image_id>/consensus/",
        quality.ImageConsensusView.as_view(),
        name="image-consensus",
    ),
    path(
        "images/<int:image_id>/consensus/merge/",
        quality.ConsensusMergeView.as_view(),
        name="consensus-merge",
    ),
]

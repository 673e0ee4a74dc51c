from django.urls import path

from . import views

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
]

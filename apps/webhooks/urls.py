from django.urls import path

from . import api

urlpatterns = [
    path("projects/<int:project_id>/webhooks/", api.WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<int:webhook_id>/", api.WebhookDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:webhook_id>/test/", api.WebhookTestView.as_view(), name="webhook-test"),
    path(
        "webhooks/<int:webhook_id>/deliveries/",
        api.DeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
]

from django.apps import AppConfig


class ModelsConfig(AppConfig):
    name = "apps.models"
    label = "mlmodels"
    verbose_name = "Models"

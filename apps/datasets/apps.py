from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "apps.datasets"
    verbose_name = "Datasets"

    def ready(self) -> None:
        from apps.models.runs.lifecycle import register_sweep

        from .services import dataset_jobs_reap_stale, exports_expire

        register_sweep(dataset_jobs_reap_stale)
        register_sweep(exports_expire)

import time
from typing import Any

from django.core.management.base import BaseCommand

from apps.models.autolabel.services import autoannotate_reap_stale
from apps.models.curation.services import embeddings_reap_stale
from apps.models.runs.lifecycle import SWEEPS
from apps.models.training.services import run_reap_stale


class Command(BaseCommand):
    help = (
        "Mark runs and jobs whose worker stopped beating as interrupted, and run the apps' "
        "sweeps (expired exports) (--loop: every 15 s). The one place runs are reaped."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true")

    def handle(self, *args: Any, loop: bool, **options: Any) -> None:
        while True:
            reaped = run_reap_stale() + autoannotate_reap_stale() + embeddings_reap_stale()
            swept = sum(sweep() for sweep in SWEEPS)
            if reaped or swept:
                self.stdout.write(f"{reaped} run(s) marked interrupted, {swept} job row(s) swept")
            if not loop:
                return
            time.sleep(15)

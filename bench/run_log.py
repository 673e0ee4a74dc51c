"""A run's log as it grows: the cost of one flush's append (what the worker does every half
second) after N earlier flushes, with log chunks (run_log_append) against the baseline of
rewriting the whole log file in storage on every flush (what Labelforge did before).

    DATABASE_URL=postgres://... python bench/run_log.py [--flushes 2000] [--line 120]

Creates a throwaway project and run and deletes them afterwards."""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402

from apps.core.storage import storage_replace  # noqa: E402
from apps.models.models import DatasetSnapshot, TrainingRun  # noqa: E402
from apps.models.training.selectors import run_log_text  # noqa: E402
from apps.models.training.services import run_log_append  # noqa: E402
from apps.projects.models import Project  # noqa: E402
from apps.projects.services import project_create  # noqa: E402


def rewrite_append(name: str, text: str) -> None:
    """The baseline: read the whole log, write it back with the new text."""
    existing = b""
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as fh:
            existing = fh.read()
    storage_replace(name, ContentFile(existing + text.encode()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flushes", type=int, default=2000)
    parser.add_argument("--line", type=int, default=120, help="bytes per flush")
    args = parser.parse_args()
    user, _ = get_user_model().objects.get_or_create(username="bench-run-log")
    project = project_create(name="bench run log", description="", user=user)
    snapshot = DatasetSnapshot.objects.create(project=project, task="classify", manifest="-")
    run = TrainingRun.objects.create(project=project, snapshot=snapshot, task="classify",
                                     architecture="resnet20")  # fmt: skip
    name = f"bench/run-log-{run.pk}.txt"
    text = "x" * (args.line - 1) + "\n"
    marks = sorted({1, args.flushes // 10, args.flushes // 2, args.flushes})
    print(f"{'flushes so far':>14s} {'log KiB':>8s} {'chunks ms':>10s} {'rewrite ms':>11s} "
          f"{'ratio':>7s}")  # fmt: skip
    try:
        chunks_total = rewrite_total = 0.0
        for i in range(1, args.flushes + 1):
            start = time.perf_counter()
            run_log_append(run=run, text=text)
            chunks = time.perf_counter() - start
            start = time.perf_counter()
            rewrite_append(name, text)
            rewrite = time.perf_counter() - start
            chunks_total, rewrite_total = chunks_total + chunks, rewrite_total + rewrite
            if i in marks:
                print(f"{i:14d} {i * args.line / 1024:8.1f} {chunks * 1000:10.3f} "
                      f"{rewrite * 1000:11.3f} {rewrite / chunks:6.1f}x")  # fmt: skip
        print(
            f"total for {args.flushes} flushes: chunks {chunks_total:.2f} s, "
            f"rewrite {rewrite_total:.2f} s ({rewrite_total / chunks_total:.1f}x)"
        )
        start = time.perf_counter()
        whole = run_log_text(run=run)
        print(f"reading the whole log back (chunks): {(time.perf_counter() - start) * 1000:.1f} ms"
              f" for {len(whole.encode()) / 1024:.0f} KiB")  # fmt: skip
    finally:
        default_storage.delete(name)
        Project.objects.filter(pk=project.pk).delete()


if __name__ == "__main__":
    main()

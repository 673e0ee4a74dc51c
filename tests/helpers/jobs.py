"""Jobs that tests enqueue on real workers."""

import os
import sys


def loaded_modules(*names: str) -> dict[str, object]:
    """Which of `names` this job's process had imported before the job ran, and its pid."""
    return {"loaded": [n for n in names if n in sys.modules], "pid": os.getpid()}

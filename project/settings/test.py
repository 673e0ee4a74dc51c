"""Tests run against real PostgreSQL (DATABASE_URL) and real Redis. They use Redis database 15
of REDIS_URL's server (or TEST_REDIS_URL) and flush it, so a running app's queues are safe."""

import os
import re
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REDIS_URL, STATIC_ROOT, redis_settings

DEBUG = False
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or tempfile.mkdtemp(prefix="labelforge-media-"))
ALLOWED_HOSTS = ["*"]
LABELFORGE_MAX_IMAGE_PIXELS = 40_000_000
LABELFORGE_WORK_DIR = Path(
    os.environ.get("LABELFORGE_WORK_DIR") or tempfile.mkdtemp(prefix="labelforge-work-")
)
LABELFORGE_WEIGHTS_DIR = Path(tempfile.mkdtemp(prefix="labelforge-weights-"))
LABELFORGE_HEARTBEAT_SECONDS = float(os.environ.get("LABELFORGE_HEARTBEAT_SECONDS", "0.5"))
LABELFORGE_RUN_STALE_SECONDS = float(os.environ.get("LABELFORGE_RUN_STALE_SECONDS", "3"))
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or re.sub(r"(/\d*)?$", "/15", REDIS_URL, count=1)
CHANNEL_LAYERS, RQ_QUEUES = redis_settings(TEST_REDIS_URL, prefix="test-asgi")
LABELFORGE_WEBHOOK_BACKOFF = [0, 0, 0]  # retries at once, so burst workers run them
LOGGING = {"version": 1, "disable_existing_loggers": False}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders here

# Two test sessions on one machine (e.g. a browser suite beside a unit run) need their own
# database and Redis db: LABELFORGE_TEST_DB=test_other TEST_REDIS_URL=redis://.../14
if os.environ.get("LABELFORGE_TEST_DB"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["LABELFORGE_TEST_DB"]}  # noqa: F405

"""Tests run against real PostgreSQL (DATABASE_URL) and real Redis (REDIS_URL)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or tempfile.mkdtemp(prefix="labelforge-media-"))
ALLOWED_HOSTS = ["*"]
LABELFORGE_MAX_IMAGE_PIXELS = 40_000_000
LOGGING = {"version": 1, "disable_existing_loggers": False}

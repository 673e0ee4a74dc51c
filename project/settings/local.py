"""One-command local start: SQLite unless DATABASE_URL is set, DEBUG on."""

from .base import *  # noqa: F403
from .base import STATIC_ROOT, env_bool

DEBUG = env_bool("DEBUG", True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders here

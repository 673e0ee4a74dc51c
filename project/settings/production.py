"""Production: secrets and hosts must come from the environment. `manage.py check --deploy`
is clean with SECRET_KEY, ALLOWED_HOSTS and LABELFORGE_TLS=1 set (tests/core/test_deploy_check.py).

LABELFORGE_TLS=1 says the site is reached over HTTPS only (directly, or through a proxy that
terminates TLS and sets X-Forwarded-Proto): plain HTTP is redirected to HTTPS and browsers
are told to use HTTPS alone (HSTS, LABELFORGE_HSTS_SECONDS, default a year, with subdomains
and preload). Leave it off only for a plain-HTTP trial (docker compose on localhost)."""

import os

from .base import *  # noqa: F403
from .base import SPECTACULAR_SETTINGS, env_bool, env_int

SECRET_KEY = os.environ["SECRET_KEY"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# behind a TLS-terminating proxy: it must set (and never pass on a client's) X-Forwarded-Proto
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LABELFORGE_TLS = env_bool("LABELFORGE_TLS", False)
if LABELFORGE_TLS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes from inside the network
    SECURE_HSTS_SECONDS = env_int("LABELFORGE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LABELFORGE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("LABELFORGE_HSTS_PRELOAD", True)

# drf-spectacular adds its schema lint (W001/W002: docs wording, enum names) to the deploy
# check; that is the API docs' quality, not the deployment's: `manage.py spectacular
# --validate` reports it.
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "ENABLE_DJANGO_DEPLOY_CHECK": False}

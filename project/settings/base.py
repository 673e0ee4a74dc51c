"""Settings shared by every environment. Configuration comes only from environment variables."""

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


SECRET_KEY = os.environ.get("SECRET_KEY", "labelforge-insecure-local-key-change-me")
# The key webhook secrets are encrypted with at rest (derived by apps.core.crypto); empty:
# SECRET_KEY. Set it to rotate SECRET_KEY without touching stored secrets.
LABELFORGE_SECRET_KEY = os.environ.get("LABELFORGE_SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / ReDoc assets served from static: no CDN
    "channels",
    "django_rq",
    "apps.core",
    "apps.projects",
    "apps.images",
    "apps.annotations",
    "apps.models",
    "apps.datasets",
    "apps.team",
    "apps.webhooks",
    "apps.demo",
    "apps.backup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "apps.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.SyncChainMiddleware",  # keeps the chain above in one thread
]

# Security headers on every response. SecurityMiddleware: nosniff, Referrer-Policy, COOP;
# XFrameOptionsMiddleware: DENY; ContentSecurityPolicyMiddleware: LABELFORGE_CSP. The pages
# load only their own scripts and stylesheets (no inline <script> or <style>; `json_script`
# blocks are data), and no inline style attributes: the frontend sets its few computed
# styles (bar widths, colours) through the CSSOM (element.style), which CSP allows.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
LABELFORGE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],  # data: the favicon; blob: Try it's preview
    "font-src": ["'self'"],
    "connect-src": ["'self'"],  # the API and the project websocket (same origin)
    "worker-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# /api/docs/ and /api/redoc/ (Swagger UI and ReDoc from drf-spectacular-sidecar): still no
# inline script, but their styles are injected at run time and ReDoc searches in a blob worker.
LABELFORGE_CSP_API_DOCS = {
    **LABELFORGE_CSP,
    "style-src": ["'self'", "'unsafe-inline'"],
    "worker-src": ["'self'", "blob:"],
    "font-src": ["'self'", "data:"],
}

ROOT_URLCONF = "project.urls"
ASGI_APPLICATION = "project.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / '.data' / 'labelforge.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", False):
    # psycopg 3 connection pool for the ASGI server (asgi.py turns it on): no new PostgreSQL
    # connection per request. Off elsewhere: RQ workers fork, and a pool must not be shared.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 1, "max_size": env_int("DB_POOL_MAX", 20), "timeout": 10}
    }
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / ".data" / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))
MEDIA_URL = "/media/"  # never served directly: files go through permission-checked API views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}


def s3_storage(bucket: str | None = None) -> dict:
    """Media in an S3 bucket (AWS S3, MinIO, SeaweedFS) from django-storages' standard
    variables. Private: no ACLs, nothing public; the app serves files after its permission
    checks, and any URL the backend signs lives five minutes."""
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket or os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": endpoint,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
            "region_name": os.environ.get("AWS_S3_REGION_NAME", "us-east-1"),
            "addressing_style": "path" if endpoint else None,  # MinIO / SeaweedFS
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,  # a name taken gets a new one, as on the filesystem
            "location": os.environ.get("AWS_LOCATION", ""),  # a key prefix in a shared bucket
        },
    }


LABELFORGE_STORAGE = os.environ.get("LABELFORGE_STORAGE", "filesystem")
if LABELFORGE_STORAGE == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("LABELFORGE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = s3_storage()
elif LABELFORGE_STORAGE != "filesystem":
    raise ImproperlyConfigured(f"LABELFORGE_STORAGE={LABELFORGE_STORAGE!r}: filesystem or s3.")

LOGIN_URL = "/accounts/login/"
# Sign-in throttle (login page and POST /api/v1/auth/token/): attempts per username and
# client address in a window that starts at the first; a success clears the count.
LABELFORGE_LOGIN_ATTEMPTS = env_int("LABELFORGE_LOGIN_ATTEMPTS", 5)
LABELFORGE_LOGIN_WINDOW_SECONDS = env_int("LABELFORGE_LOGIN_WINDOW_SECONDS", 15 * 60)
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE_TIMEOUTS = {"default": 900, "train": 60 * 60 * 24, "infer": 60 * 60 * 4}


# Every Redis client waits longer than any blocking read in its path: channels-redis blocks up
# to 5 s for messages (BZPOPMIN) and redis-py 8 defaults to a 5 s socket timeout, so a quiet
# websocket used to die with TimeoutError. RQ raises its own clients' timeout above its
# dequeue timeout. Keepalive and health checks notice a dead connection instead.
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "30"))
REDIS_CLIENT_OPTIONS = {
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": 5.0,
    "socket_keepalive": True,
    "health_check_interval": 25,
}


def redis_url_with_options(url: str) -> str:
    """`url` with REDIS_CLIENT_OPTIONS as query arguments (redis-py's from_url reads them),
    for clients built from a URL alone (django-rq); options already in the URL win."""
    parts = urlsplit(url)
    query = {**{k: str(v) for k, v in REDIS_CLIENT_OPTIONS.items()}, **dict(parse_qsl(parts.query))}
    return urlunsplit(parts._replace(query=urlencode(query)))


def redis_settings(url: str, prefix: str = "asgi") -> tuple[dict, dict]:
    """Channel layer and RQ queues on one Redis, with the client options above."""
    layers = {
        "default": {
            "BACKEND": "apps.realtime.layer.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, **REDIS_CLIENT_OPTIONS}], "prefix": prefix},
        }
    }
    queued = redis_url_with_options(url)
    queues = {name: {"URL": queued, "DEFAULT_TIMEOUT": t} for name, t in QUEUE_TIMEOUTS.items()}
    return layers, queues


CHANNEL_LAYERS, RQ_QUEUES = redis_settings(REDIS_URL)
RQ = {"WORKER_CLASS": "apps.core.worker.PreloadingWorker"}  # imports torch before forking

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.auth.UserTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "apps.core.exceptions.json_exception_handler",
    "URL_FORMAT_OVERRIDE": None,  # ?format= is ours (downloads), not a renderer switch
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Labelforge API",
    "DESCRIPTION": "Label images together, train models, serve them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # one name per choice set (fields named status/source/stage/action mean different sets)
    "ENUM_NAME_OVERRIDES": {
        "ImageStatusEnum": "apps.images.models.ImageStatus",
        "AnnotationSourceEnum": "apps.annotations.models.Source",
        "EventActionEnum": "apps.annotations.models.EventAction",
        "RunStatusEnum": "apps.models.models.RunStatus",
        "StageEnum": "apps.models.models.Stage",
        "ImageStageEnum": "apps.images.models.Stage",
        "ImageActionEnum": "apps.images.models.ImageAction",
        "VersionStatusEnum": "apps.models.models.VersionStatus",
        "VersionSourceEnum": "apps.models.models.VersionSource",
        "TrainingSourceEnum": "apps.models.models.Source",
        "TargetSplitEnum": ["train", "val", "test"],
        "SplitEnum": "apps.images.models.Split",
        "DeliveryStatusEnum": "apps.webhooks.models.DeliveryStatus",
        "ReviewActionEnum": ["accept", "reject"],
        "ReviewStateEnum": "apps.annotations.models.Review",
        "ReviewFilterEnum": ["pending"],
        "OperationKindEnum": "apps.datasets.models.OperationKind",
        "AnnotationKindEnum": "apps.annotations.models.Kind",
        "ClusterModeEnum": ["compute", "fit"],
        "OutsideModeEnum": ["clip", "remove"],
        "AutoAnnotateModeEnum": "apps.models.models.AutoAnnotateMode",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema.postprocess_error_responses",
    ],
}

# Upload limits (bytes / pixels). Requests above LABELFORGE_MAX_UPLOAD_BYTES get 413.
LABELFORGE_MAX_UPLOAD_BYTES = env_int("LABELFORGE_MAX_UPLOAD_BYTES", 512 * 1024 * 1024)
LABELFORGE_MAX_FILE_BYTES = env_int("LABELFORGE_MAX_FILE_BYTES", 64 * 1024 * 1024)
LABELFORGE_MAX_IMAGE_PIXELS = env_int("LABELFORGE_MAX_IMAGE_PIXELS", 100_000_000)
LABELFORGE_MAX_ZIP_ENTRIES = env_int("LABELFORGE_MAX_ZIP_ENTRIES", 20_000)
LABELFORGE_MAX_ZIP_UNCOMPRESSED_BYTES = env_int(
    "LABELFORGE_MAX_ZIP_UNCOMPRESSED_BYTES", 4 * 1024 * 1024 * 1024
)
LABELFORGE_THUMBNAIL_SIZE = 256
# Training: per-host scratch space (image cache, run folders), pretrained weight files,
# worker heartbeats and when a silent run counts as interrupted.
LABELFORGE_WORK_DIR = Path(os.environ.get("LABELFORGE_WORK_DIR", BASE_DIR / ".data" / "work"))
LABELFORGE_WEIGHTS_DIR = Path(
    os.environ.get("LABELFORGE_WEIGHTS_DIR", BASE_DIR / ".data" / "weights")
)
# Inference in web processes: "auto" = torch on a GPU if present, else ONNX Runtime on the
# CPU, else torch eager; "onnx" / "torch" force one. Loaded models kept per process (LRU).
LABELFORGE_INFERENCE_BACKEND = os.environ.get("LABELFORGE_INFERENCE_BACKEND", "auto")
# Web server processes: one process runs Python on one core at a time (the GIL), so a slow
# request (a large upload, a predict) slows only the requests of its own process, and
# several processes use several cores. Default: one per core, at least 2, at most 8.
LABELFORGE_WEB_WORKERS = env_int("LABELFORGE_WEB_WORKERS", max(2, min(8, os.cpu_count() or 1)))
# ONNX Runtime threads per web process (0: ONNX Runtime's default, every core).
LABELFORGE_INFERENCE_THREADS = env_int("LABELFORGE_INFERENCE_THREADS", 0)
# ONNX Runtime's threads spin a moment after each run before they sleep: a predict answers
# ~4 ms sooner on a ResNet-18 (bench/predict_latency.py), for a little CPU after each call.
# Turn it off where web processes share their cores with training.
LABELFORGE_INFERENCE_SPIN = env_bool("LABELFORGE_INFERENCE_SPIN", True)
# Predict requests one web process serves at once (apps/models/serving/api/fastpath.py).
LABELFORGE_PREDICT_CONCURRENCY = env_int("LABELFORGE_PREDICT_CONCURRENCY", 4)
LABELFORGE_MODEL_CACHE_SIZE = env_int("LABELFORGE_MODEL_CACHE_SIZE", 4)
LABELFORGE_PREDICT_MAX_IMAGES = env_int("LABELFORGE_PREDICT_MAX_IMAGES", 32)
# Auto-annotation: decode JPEGs where the classifier runs (nvJPEG): auto = on CUDA, on, off.
LABELFORGE_DEVICE_DECODE = os.environ.get("LABELFORGE_DEVICE_DECODE", "auto")
# Webhook retries: seconds before attempt 2, 3, ...; a delivery fails after the last one.
LABELFORGE_WEBHOOK_BACKOFF = [10, 60, 300, 1800, 7200]
# Webhooks never reach loopback, private, link-local (cloud metadata), multicast or other
# non-public addresses, except those in these networks: comma-separated CIDRs, e.g.
# "10.20.0.0/16" for a receiver inside your network. Default: none.
LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = [
    n.strip()
    for n in os.environ.get("LABELFORGE_WEBHOOK_ALLOWED_NETWORKS", "").split(",")
    if n.strip()
]
LABELFORGE_HEARTBEAT_SECONDS = float(os.environ.get("LABELFORGE_HEARTBEAT_SECONDS", "10"))
LABELFORGE_RUN_STALE_SECONDS = float(os.environ.get("LABELFORGE_RUN_STALE_SECONDS", "60"))
DATA_UPLOAD_MAX_NUMBER_FILES = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

"""Settings for the pipeline safety supervision system.

Everything that differs between a laptop and production comes from
environment variables (see README). Defaults give the embedded set-up:
SQLite + SpatiaLite and a Celery broker on a SQLite file, no services needed.
"""

# Pitfall measured on Debian 12: mod_spatialite is loaded
# into the process globally and Debian's GEOS/PROJ symbols then shadow the
# copies bundled in the shapely/pyogrio/pyproj wheels, which crashes later
# (double free). Importing the wheels first, before any database connection,
# binds their own libraries.
import pyogrio  # noqa: F401, I001
import pyproj  # noqa: F401
import shapely  # noqa: F401

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from pipeline_safety.env import env_bool, env_int, env_list, env_required, env_str, local_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Production has no default secret: refuse to start without one. In development
# (DEBUG on; manage.py turns it on when run from a checkout with no secret set)
# a random key is generated once into var/secret_key.
SECRET_KEY = env_str("SECRET_KEY") if DEBUG else env_required("SECRET_KEY")
SECRET_KEY = SECRET_KEY or local_secret(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "pipeline_safety.admin_site.SupervisionAdminConfig",
    "interface",  # first app: its translations take precedence over Django's and third parties'
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django_celery_beat",
    "auditlog",
    "common",
    "accounts",
    "companies",
    "pipelines",
    "standards",
    "inspections",
    "hazards",
    "escalations",
    "layers",
    "hca",
    "emergency",
    "construction",
    "patrols",
    "security",
    "video",
    "field",
    "dashboard",
    "django_filters",
    "rest_framework",
    "rest_framework_gis",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "integrations",
    "ogc",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.middleware.DefaultLanguageMiddleware",
    "common.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pipeline_safety.urls"
WSGI_APPLICATION = "pipeline_safety.wsgi.application"
ASGI_APPLICATION = "pipeline_safety.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.map_settings",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# spatialite:///path/to/file.sqlite3 (default, embedded) or
# postgis://user:password@host:port/name (production).
DATABASE_URL = env_str("DATABASE_URL", f"spatialite:///{VAR_DIR / 'pipeline_safety.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
if _db["ENGINE"] not in (
    "django.contrib.gis.db.backends.spatialite",
    "django.contrib.gis.db.backends.postgis",
):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL must use the spatialite:// or postgis:// scheme.")
if _db["ENGINE"].endswith("spatialite"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database (and its test twin) live here
    _db.setdefault("OPTIONS", {}).update(
        {
            # The web process and the Celery worker share the file: wait for
            # locks instead of failing, and let readers run beside a writer.
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    # A file, not memory: integration tests run a real Celery worker on it.
    # One file per test run, so two runs on one machine do not share it.
    _test_db = env_str("TEST_DATABASE_NAME", str(VAR_DIR / f"test_pipeline_safety_{os.getpid()}.sqlite3"))
    _db.setdefault("TEST", {})["NAME"] = _test_db
DATABASES = {"default": _db}
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SPATIALITE_LIBRARY_PATH = env_str("SPATIALITE_LIBRARY_PATH", "mod_spatialite")

# Projected CRS for every metric computation (lengths, distances, buffers).
# EPSG:4548 = CGCS2000 / 3-degree Gauss-Kruger CM 117E, valid over Dongying.
METRIC_SRID = env_int("METRIC_SRID", 4548)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "dashboard"  # the home page after log-in (admin_site.SupervisionAdminSite.login too)

# --- Language and time ----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates in forms are written as ISO (2027-01-06) in every language (formats/zh_Hans).
FORMAT_MODULE_PATH = ["pipeline_safety.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Photos and evidence: at most this size each (MB), checked by content.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 10) * 1024 * 1024
# GIS layer files uploaded in the admin (a city's buildings run to tens of MB).
LAYER_UPLOAD_MAX_BYTES = env_int("LAYER_UPLOAD_MAX_MB", 200) * 1024 * 1024
# A zipped layer file may unpack to at most this (checked from the zip's directory and while unpacking),
# and a layer may hold at most LAYER_MAX_FEATURES features (300,000 buildings make a large city).
LAYER_UNPACKED_MAX_BYTES = env_int("LAYER_UNPACKED_MAX_MB", 500) * 1024 * 1024
LAYER_MAX_FEATURES = env_int("LAYER_MAX_FEATURES", 500_000)
# Imported features must lie in the city: "minlon,minlat,maxlon,maxlat" (EPSG:4326), or empty for the
# extent of the pipelines plus CITY_EXTENT_MARGIN_KM (layers/extent.py).
CITY_EXTENT = env_str("CITY_EXTENT", "")
CITY_EXTENT_MARGIN_KM = env_int("CITY_EXTENT_MARGIN_KM", 20)
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Maps -----------------------------------------------------------------
# No base map by default: layers draw on a plain background and work offline.
# Set MAP_TILE_URL to an XYZ template (an intranet tile server, or e.g.
# Tianditu with its key) to show one.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
MAP_DEFAULT_LON = 118.67
MAP_DEFAULT_LAT = 37.43
MAP_DEFAULT_ZOOM = 9

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    # A machine client (the city command platform, or a company's system with a key tied to it)
    # sends "Authorization: Api-Key <key>" (a wrong key: 401); people use their login session.
    # Every list is scoped (accounts/scoping.py).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.PlatformKeyOrUser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StablePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "油气管道安全监管 API · Pipeline safety supervision API",
    "DESCRIPTION": "城市综合指挥平台对接接口:GeoJSON 图层、统计、事件上报、告警推送。"
    " Integration API for the city command platform: GeoJSON layers, statistics, event intake, alerts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.filters.empty_filters_allowed",
    ],
    "ENUM_NAME_OVERRIDES": {
        "HazardStatusEnum": "hazards.choices.HazardStatus",
        "HazardLevelEnum": "hazards.choices.HazardLevel",
        "HazardCategoryEnum": "hazards.choices.HazardCategory",
        "IncidentKindEnum": "emergency.choices.IncidentKind",
        "IncidentNextStepEnum": "emergency.choices.NEXT_STEPS",
        "WorkTypeEnum": "construction.choices.WorkType",
        "ConstructionVerdictEnum": "construction.choices.Verdict",
        "ConstructionBandEnum": "construction.choices.Band",
    },
}

# --- Celery ---------------------------------------------------------------
# Default broker needs no server: kombu's SQLAlchemy transport on a SQLite
# file. Production: redis://host:6379/0.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
DJANGO_CELERY_BEAT_TZ_AWARE = True
# Days a hazard may stay overdue after its supervision order before the interview.
ESCALATION_GRACE_DAYS = env_int("ESCALATION_GRACE_DAYS", 15)
# Emergency response: the reach of an incident on a liquid pipeline (gas: the potential impact radius).
EMERGENCY_LIQUID_RADIUS_M = env_int("EMERGENCY_LIQUID_RADIUS_M", 200)
# Video monitoring: a camera silent for three heartbeat intervals is offline; the pilot's coverage threshold.
VIDEO_HEARTBEAT_INTERVAL_SECONDS = env_int("VIDEO_HEARTBEAT_INTERVAL_SECONDS", 60)
VIDEO_COVERAGE_THRESHOLD_PERCENT = env_int("VIDEO_COVERAGE_THRESHOLD_PERCENT", 80)
# Retention, purged daily (integrations/tasks.py): event intake's Idempotency-Key records, and
# finished webhook deliveries (0 keeps them forever).
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)
WEBHOOK_DELIVERY_RETENTION_DAYS = env_int("WEBHOOK_DELIVERY_RETENTION_DAYS", 90)
# Seconds a web process trusts an API key it found valid (api/auth.py).
API_KEY_CACHE_SECONDS = env_int("API_KEY_CACHE_SECONDS", 5)

# --- Security (production: behind a TLS-terminating reverse proxy) ---------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

SILENCED_SYSTEM_CHECKS = [
    # Debian 12 ships GDAL 3.6, which Django 5.2 still supports but flags as
    # old (gis.W001). Harmless; silenced deliberately.
    "gis.W001",
]

# One console handler, on the root logger. Django's default config also gives
# the "django" logger a console handler (with DEBUG on), which printed every
# message twice ("Watching for file changes", "Forbidden"): here the "django"
# logger has no handler of its own and propagates to the root. A refused
# request (4xx) is one WARNING line, without the traceback Django attaches.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_without_traceback": {"()": "pipeline_safety.log_filters.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors_without_traceback"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": [], "level": env_str("LOG_LEVEL", "INFO"), "propagate": True}},
}

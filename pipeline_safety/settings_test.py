"""Settings for the test suite: production settings with test-only relaxations."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from pipeline_safety.settings import *  # noqa: F403

# Live-server browser tests talk plain HTTP on localhost.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = tempfile.mkdtemp(prefix="pipeline-safety-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="pipeline-safety-static-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# The check before digging asks its index's fingerprint on every call (construction/loading.py): a test rolled
# back leaves no stale index behind for the next one.
CONSTRUCTION_INDEX_MAX_AGE_S = 0

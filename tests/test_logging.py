"""Logs: every message once; a refused request (403) is one WARNING line, no traceback."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Real requests through Django's handler: one refused (403), one failing (500);
# and the line runserver's autoreloader logs at start.
SCRIPT = """
import logging, sys, types
import django
from django.conf import settings
# No collectstatic here: plain static storage, so the error pages render with DEBUG off too.
PLAIN = "django.contrib.staticfiles.storage.StaticFilesStorage"
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN}}
django.setup()
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

def refused(request):
    raise PermissionDenied

def failing(request):
    1 / 0

urls = types.ModuleType("logging_test_urls")
from pipeline_safety.urls import urlpatterns as site  # the error pages link to the site's pages
urls.urlpatterns = [path("refused/", refused), path("failing/", failing), *site]
sys.modules["logging_test_urls"] = urls
settings.ROOT_URLCONF = "logging_test_urls"

logging.getLogger("django.utils.autoreload").info("Watching for file changes with StatReloader")
client = Client(raise_request_exception=False)
assert client.get("/refused/").status_code == 403
assert client.get("/failing/").status_code == 500
"""


def _run(debug):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY")}
    env.update(
        DJANGO_SETTINGS_MODULE="pipeline_safety.settings",
        DEBUG=debug,
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_each_message_is_logged_once_and_a_403_without_traceback():
    for debug in ("1", "0"):
        log = _run(debug)
        assert log.count("Watching for file changes") == 1, log
        assert log.count("Forbidden (Permission denied): /refused/") == 1, log
        # The 403 brings no traceback; the 500 keeps its one traceback.
        assert log.count("Traceback") == 1, log
        assert "PermissionDenied" not in log, log
        assert log.count("ZeroDivisionError") == 1, log

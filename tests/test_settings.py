"""Settings come from the environment; production refuses unsafe defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pipeline_safety.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


_NOT_INHERITED = ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def _manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_env_readers_refuse_junk(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_BOOL", "Yes")
    assert env_bool("X_BOOL") is True
    monkeypatch.setenv("X_LIST", " a.gov.cn, ,b.gov.cn ")
    assert env_list("X_LIST") == ["a.gov.cn", "b.gov.cn"]


def test_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET") == "from-a-file"


def _python(code, **env):
    environment = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED and k != "SECRET_KEY_FILE"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    # gunicorn imports the WSGI module, Celery reads the settings: neither has a default secret.
    for code in ("import pipeline_safety.wsgi", "from pipeline_safety.celery import app; app.conf.broker_url"):
        result = _python(code)
        assert result.returncode != 0, code
        assert "SECRET_KEY" in result.stderr, code
    # manage.py with DEBUG explicitly off is production too.
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_manage_py_from_a_checkout_works_without_a_secret(tmp_path):
    # The README's commands after `make run`: no SECRET_KEY, no DEBUG in the environment.
    var = tmp_path / "var"
    result = _manage("check", VAR_DIR=str(var), DATABASE_URL=f"spatialite:///{tmp_path / 'dev.sqlite3'}")
    assert result.returncode == 0, result.stderr
    secret = (var / "secret_key").read_text().strip()
    assert len(secret) >= 50
    assert (var / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
    again = _python(
        "import os; os.environ['DEBUG'] = '1'; import django; from django.conf import settings; "
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'pipeline_safety.settings'); print(settings.SECRET_KEY)",
        VAR_DIR=str(var),
        DATABASE_URL=f"spatialite:///{tmp_path / 'dev.sqlite3'}",
    )
    assert again.stdout.strip() == secret, again.stderr  # generated once, then reused


def test_unknown_database_scheme_is_refused():
    result = _manage("check", DEBUG="1", DATABASE_URL="mysql://root@localhost/x")
    assert result.returncode != 0
    assert "spatialite:// or postgis://" in result.stderr


def test_production_settings_pass_the_deployment_check(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k" * 20 + "-production-secret-with-enough-entropy-1234567890",
        ALLOWED_HOSTS="gdjg.dongying.example",
        DATABASE_URL=f"spatialite:///{tmp_path / 'deploy.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_static_files_collect(tmp_path):
    # The manifest storage rewrites references inside CSS and JS (source maps
    # included): a vendored file that points at a missing one fails here.
    result = _manage(
        "collectstatic",
        "--no-input",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="gdjg.example",
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"spatialite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert list((tmp_path / "static" / "vendor" / "ol").glob("ol.*.js"))

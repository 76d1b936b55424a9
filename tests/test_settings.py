"""Settings come from the environment; production refuses to start without its keys."""

import json
import os
import subprocess
import sys
from pathlib import Path

import gonghui


def load_settings(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GONGHUI_", "DATABASE_URL", "REDIS_URL"))}
    base.update({"GONGHUI_DATA_DIR": str(tmp_path), **env})
    code = (
        "from gonghui import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.LANGUAGE_CODE, s.TIME_ZONE, s.GONGHUI_JOB_RUNNER, bool(s.PII_KEY),"
        " s.CACHES['default']['BACKEND'])"
    )
    return subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=False)


def test_embedded_default_generates_keys_into_the_data_dir(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3", "zh-hans", "Asia/Shanghai", "thread", "True",
        "django.core.cache.backends.locmem.LocMemCache",
    ]  # fmt: skip
    assert (tmp_path / "pii.key").stat().st_mode & 0o777 == 0o600
    first = (tmp_path / "pii.key").read_text()
    load_settings(tmp_path)
    assert (tmp_path / "pii.key").read_text() == first


def test_production_requires_keys(tmp_path):
    result = load_settings(tmp_path, GONGHUI_PRODUCTION="1")
    assert result.returncode != 0
    assert "GONGHUI_SECRET_KEY must be set" in result.stderr
    assert not (tmp_path / "pii.key").exists()


def test_database_and_redis_from_environment(tmp_path):
    result = load_settings(
        tmp_path,
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/0",
        GONGHUI_PRODUCTION="1",
        GONGHUI_SECRET_KEY="s" * 50,
        GONGHUI_PII_KEY="p" * 50,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django.db.backends.postgresql"
    assert result.stdout.split()[3] == "celery"
    assert result.stdout.split()[5] == "gonghui.core.cache.RedisCache"


def _pg_options(tmp_path, url="postgres://u@127.0.0.1:5432/x", **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GONGHUI_", "DATABASE_URL", "REDIS_URL"))}
    base.update({"GONGHUI_DATA_DIR": str(tmp_path), "DATABASE_URL": url, **env})
    code = "from gonghui import settings as s; print(s.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    result = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_prepared_hot_reads_are_planned_once_unless_preparing_is_off(tmp_path):
    assert _pg_options(tmp_path) == "-c plan_cache_mode=force_generic_plan"
    assert _pg_options(tmp_path, "postgres://u@h:5432/x?options=-c%20statement_timeout%3D5000") == (
        "-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan"
    )
    assert _pg_options(tmp_path, GONGHUI_DB_PREPARE="0") == ""


def _security(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GONGHUI_", "DATABASE_URL", "REDIS_URL"))}
    # This checkout's settings, whichever copy of the package the interpreter would find first.
    base.update({"GONGHUI_DATA_DIR": str(tmp_path), "PYTHONPATH": str(Path(gonghui.__file__).parents[1]), **env})
    code = (
        "from gonghui import settings as s; import json;"
        "print(json.dumps([getattr(s, n, None) for n in ('SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS',"
        " 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_INCLUDE_SUBDOMAINS')]))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


PRODUCTION = {"GONGHUI_PRODUCTION": "1", "GONGHUI_SECRET_KEY": "s" * 50, "GONGHUI_PII_KEY": "p" * 50}


def test_production_is_https_only_with_hsts(tmp_path):
    assert _security(tmp_path, **PRODUCTION) == [True, 31536000, True, True, None, False]


def test_x_forwarded_proto_is_believed_only_behind_a_trusted_proxy(tmp_path):
    behind = _security(tmp_path, GONGHUI_TRUSTED_PROXIES="1", **PRODUCTION)
    assert behind[4] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_hsts_and_redirect_can_be_tuned_and_are_off_in_the_embedded_default(tmp_path):
    tuned = _security(tmp_path, GONGHUI_HSTS_SECONDS="0", GONGHUI_SSL_REDIRECT="0", **PRODUCTION)
    assert tuned[:2] == [False, 0]
    assert _security(tmp_path) == [None] * 6  # Django's defaults: plain HTTP on a laptop

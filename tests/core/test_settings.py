"""Settings come from the environment and fail loudly; production passes `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.db import connection


def _run(env_extra: dict[str, str], *args: str, tmp_path) -> subprocess.CompletedProcess:
    # A clean environment: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process, which
    # `check --deploy` rightly flags.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PINGAN_", "DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_"))
    }
    env.update({"PINGAN_DATA_DIR": str(tmp_path), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "pingan", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _production_env() -> dict[str, str]:
    return {
        "PINGAN_ENV": "production",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "pingan.example.gov.cn",
        "PINGAN_FIELD_KEYS": Fernet.generate_key().decode(),
    }


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = _run(_production_env(), "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "PINGAN_FIELD_KEYS"])
def test_production_refuses_to_start_without_secrets(tmp_path, missing):
    env = _production_env()
    del env[missing]
    result = _run(env, "check", tmp_path=tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr


def test_bad_boolean_is_an_error_not_a_guess(tmp_path):
    result = _run({"DEBUG": "maybe"}, "check", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_time_and_language_defaults(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert ("en", "English") in settings.LANGUAGES


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_or_database_is_postgres():
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA journal_mode")
            mode = cur.fetchone()[0]
            # The in-memory test database cannot use WAL; a file database must.
            name = connection.settings_dict["NAME"]
            assert mode == ("memory" if connection.is_in_memory_db() else "wal"), (name, mode)
        else:
            assert connection.vendor == "postgresql"
            cur.execute("SHOW server_version_num")
            assert int(cur.fetchone()[0]) >= 150000


def test_sqlite_file_database_uses_wal(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite3'}"}
    code = (
        "import django;django.setup();from django.db import connection;"
        "c=connection.cursor();c.execute('PRAGMA journal_mode');print(c.fetchone()[0])"
    )
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PINGAN_", "DATABASE_URL"))}
    full_env.update({"PINGAN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "pingan.config.settings", **env})
    out = subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "wal", out.stderr

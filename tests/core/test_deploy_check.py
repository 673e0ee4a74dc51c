"""`manage.py check --deploy` is clean under the production settings with the environment they
need (and TLS on); with TLS off it says what is missing."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LABELFORGE_", "SECURE_"))}
    base.pop("DEBUG", None)
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests set it in this process
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**base, "DJANGO_SETTINGS_MODULE": "project.settings.production",
             "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "labelforge.example.com",
             **env},
    )  # fmt: skip


def test_deploy_check_is_clean_with_tls_on() -> None:
    result = deploy_check(LABELFORGE_TLS="1")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_deploy_check_warns_without_tls() -> None:
    result = deploy_check(LABELFORGE_TLS="0")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W004" in output and "security.W008" in output, output


def test_production_settings_with_tls() -> None:
    code = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
            "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_PROXY_SSL_HEADER, s.SECURE_REDIRECT_EXEMPT)")  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.production",
             "SECRET_KEY": "x" * 50, "LABELFORGE_TLS": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "31536000",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "['^healthz$']",
    ]

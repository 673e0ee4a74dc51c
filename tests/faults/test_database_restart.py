"""PostgreSQL stopped under a running web server and started again: every request in the
outage gets a JSON 503 with Retry-After, and the same server answers
again once the database is back, with what was stored before."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers.processes import ROOT, live_web, subprocess_env
from tests.helpers.services import Postgres


def _lower(headers: object) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}  # type: ignore[attr-defined]


def _call(url: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict, str]:
    headers = {
        "Content-Type": "application/json",
        **({"Authorization": f"Token {token}"} if token else {}),
    }
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, _lower(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers), error.read().decode()


@pytest.fixture
def database():
    pg = Postgres().start()
    yield pg
    pg.remove()


def test_requests_during_a_database_outage_get_503_and_the_app_recovers(database, tmp_path) -> None:
    env = {**subprocess_env(tmp_path / "media"), "DATABASE_URL": database.url,
           "DJANGO_SUPERUSER_USERNAME": "root", "DJANGO_SUPERUSER_PASSWORD": "pw-outage",
           "DJANGO_SUPERUSER_EMAIL": "root@example.com"}  # fmt: skip
    for args in (["migrate", "--noinput"], ["createsuperuser", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=300)  # fmt: skip
    with live_web(env, tmp_path) as url:
        status, _, body = _call(
            f"{url}/api/v1/auth/token/", body={"username": "root", "password": "pw-outage"}
        )
        token = json.loads(body)["token"]
        assert _call(f"{url}/api/v1/projects/", token, {"name": "Before"})[0] == 201

        database.stop()
        outage = [
            _call(f"{url}/api/v1/projects/", token),
            _call(f"{url}/api/v1/projects/", token, {"name": "During"}),
            _call(f"{url}/api/v1/images/1/", token),
            _call(f"{url}/api/v1/projects/", token),
        ]
        for status, headers, body in outage:
            assert status == 503, (status, body[:300])
            assert headers["content-type"] == "application/json" and headers["retry-after"] == "5"
            assert json.loads(body)["code"] == "unavailable"

        database.start()
        # recovered: every web process answers again (a process's pooled connections broken
        # by the restart fail one request each, then are replaced): 8 answers in a row
        deadline, in_a_row = time.monotonic() + 30, 0
        while in_a_row < 8:
            answer = _call(f"{url}/api/v1/projects/", token)
            assert answer[0] in (200, 503) and time.monotonic() < deadline, answer
            in_a_row = in_a_row + 1 if answer[0] == 200 else 0
            time.sleep(0.1)
        names = [p["name"] for p in json.loads(answer[2])["results"]]
        assert names == ["Before"]  # the write refused in the outage was not half-stored
        assert _call(f"{url}/api/v1/projects/", token, {"name": "After"})[0] == 201

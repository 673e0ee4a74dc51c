"""Password guessing is throttled per username and client address, on the login page and the
token endpoint alike: over the limit even the right password is refused (429) until the
window has passed; other users and other addresses are unaffected; a success clears it."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

LIMIT = 3
RIGHT, WRONG = "s3cret-pass", "guess"


@pytest.fixture(autouse=True)
def _limits(settings) -> None:
    settings.LABELFORGE_LOGIN_ATTEMPTS = LIMIT
    settings.LABELFORGE_LOGIN_WINDOW_SECONDS = 60


@pytest.fixture
def users(db) -> None:
    for name in ("ada", "bob"):
        get_user_model().objects.create_user(name, password=RIGHT)


def token(username: str, password: str, ip: str = "203.0.113.5"):
    return APIClient(REMOTE_ADDR=ip).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def login(username: str, password: str, ip: str = "203.0.113.5", client: Client | None = None):
    client = client or Client(REMOTE_ADDR=ip)
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_token_refused_after_the_limit_even_with_the_right_password(users) -> None:
    for _ in range(LIMIT):
        assert token("ada", WRONG).status_code == 400
    refused = token("ada", RIGHT)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled" and "Too many failed sign-in attempts" in body["detail"]
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "token" not in body
    # another user from the same address, the same user from another address: unaffected
    assert token("bob", RIGHT).status_code == 200
    assert token("ada", RIGHT, ip="198.51.100.7").status_code == 200
    for spelling in ("ADA", " ada ", "\uff41da"):  # one count, however it is spelt
        assert token(spelling, WRONG).status_code == 429, spelling


def test_a_number_for_a_username_counts_too(db) -> None:
    get_user_model().objects.create_user("12345", password=RIGHT)
    for _ in range(LIMIT):
        assert token(12345, WRONG).status_code == 400  # type: ignore[arg-type]
    assert token("12345", RIGHT).status_code == 429


def test_token_allowed_again_once_the_window_has_passed(users, settings) -> None:
    settings.LABELFORGE_LOGIN_WINDOW_SECONDS = 1
    for _ in range(LIMIT):
        token("ada", WRONG)
    assert token("ada", RIGHT).status_code == 429
    time.sleep(1.5)
    assert token("ada", RIGHT).status_code == 200


def test_a_success_clears_the_count(users) -> None:
    for _ in range(LIMIT - 1):
        token("ada", WRONG)
    assert token("ada", RIGHT).status_code == 200
    for _ in range(LIMIT - 1):
        assert token("ada", WRONG).status_code == 400
    assert token("ada", RIGHT).status_code == 200


def test_login_page_refused_after_the_limit_with_a_clear_message(users) -> None:
    for _ in range(LIMIT):
        wrong = login("ada", WRONG)
        assert wrong.status_code == 200 and b"Wrong username or password." in wrong.content
    client = Client(REMOTE_ADDR="203.0.113.5")
    refused = login("ada", RIGHT, client=client)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert b"Too many failed sign-in attempts. Try again in " in refused.content
    assert b"Wrong username or password." not in refused.content
    assert client.get("/").status_code == 302  # not signed in
    assert login("bob", RIGHT).status_code == 302
    assert login("ada", RIGHT, ip="198.51.100.7").status_code == 302


def test_login_page_and_token_share_one_count(users) -> None:
    for _ in range(LIMIT - 1):
        login("ada", WRONG)
    token("ada", WRONG)
    assert login("ada", RIGHT).status_code == 429
    assert token("ada", RIGHT).status_code == 429


def test_login_page_allowed_again_once_the_window_has_passed(users, settings) -> None:
    settings.LABELFORGE_LOGIN_WINDOW_SECONDS = 1
    for _ in range(LIMIT + 2):
        login("ada", WRONG)
    assert login("ada", RIGHT).status_code == 429
    time.sleep(1.5)
    client = Client(REMOTE_ADDR="203.0.113.5")
    assert login("ada", RIGHT, client=client).status_code == 302
    assert client.get("/").status_code == 200

"""Webhook secrets are stored encrypted (Fernet, a key derived from LABELFORGE_SECRET_KEY or
SECRET_KEY; old keys in SECRET_KEY_FALLBACKS still decrypt), existing rows are encrypted by a
data migration, and no secret or token is ever logged."""

import logging

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from apps.core.crypto import SecretUnreadable, decrypt, encrypt
from apps.webhooks.models import Delivery, Webhook
from apps.webhooks.services import webhook_deliver, webhook_ping
from tests.helpers.processes import run_worker

from .test_webhooks import Receiver, subscribe


def stored(webhook_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM webhooks_webhook WHERE id = %s", [webhook_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_secret_is_stored_encrypted_and_shown_once(world) -> None:
    created = subscribe(world, "https://hooks.example.com/x", ["image.done"]).json()
    secret = created["secret"]
    raw = stored(created["id"])
    assert len(secret) == 64 and secret not in raw and raw.startswith("gAAAAA")  # a Fernet token
    assert decrypt(raw) == secret and Webhook.objects.get().secret == secret
    listed = world.client("manager").get(f"/api/v1/projects/{world.project.pk}/webhooks/").json()
    assert "secret" not in str(listed) and raw not in str(listed)
    assert secret not in repr(Webhook.objects.get()) and secret not in str(Webhook.objects.get())


def test_key_rotation_with_fallbacks(settings) -> None:
    settings.SECRET_KEY = "old-key-" + "x" * 40
    token = encrypt("s3cret")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-key-" + "y" * 40, []
    with pytest.raises(SecretUnreadable, match="SECRET_KEY_FALLBACKS"):
        decrypt(token)
    settings.SECRET_KEY_FALLBACKS = ["old-key-" + "x" * 40]
    assert decrypt(token) == "s3cret"
    settings.LABELFORGE_SECRET_KEY = "dedicated-" + "z" * 40  # SECRET_KEY still decrypts
    assert decrypt(token) == "s3cret"
    newer = encrypt("s3cret")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "another-" + "w" * 40, []
    assert decrypt(newer) == "s3cret"  # under LABELFORGE_SECRET_KEY, whatever SECRET_KEY is


@pytest.mark.django_db
def test_a_secret_that_does_not_decrypt_fails_the_delivery_once(world, settings) -> None:
    hook = Webhook.objects.create(project=world.project, url="https://hooks.example.com/x",
                                  events=["image.done"], secret="s" * 64)  # fmt: skip
    settings.SECRET_KEY = "a-different-key-" + "q" * 40
    delivery = webhook_ping(webhook=hook)
    webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.error.startswith("Not sent: a stored secret does not decrypt")


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_encrypts_existing_secrets_and_back(world) -> None:
    executor = MigrationExecutor(connection)
    before, after = [("webhooks", "0001_initial")], [("webhooks", "0002_webhook_secret_encrypted")]
    try:
        executor.migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        OldWebhook = old.get_model("webhooks", "Webhook")
        row = OldWebhook.objects.create(project_id=world.project.pk, url="https://a.example/x",
                                        events=["image.done"], secret="p" * 64)  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        raw = stored(row.pk)
        assert "p" * 64 not in raw and Webhook.objects.get(pk=row.pk).secret == "p" * 64
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert OldWebhook.objects.get(pk=row.pk).secret == "p" * 64
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_no_secret_or_token_is_logged(world, caplog, settings) -> None:
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    caplog.set_level(logging.DEBUG)
    receiver = Receiver()
    try:
        receiver.statuses = [500]
        created = subscribe(world, receiver.url, ["image.done"]).json()
        world.client("manager").post(f"/api/v1/webhooks/{created['id']}/test/")
        run_worker("default")
        world.client("manager").patch(f"/api/v1/webhooks/{created['id']}/",
                                      {"url": "http://127.0.0.1:9/x"}, format="json")  # fmt: skip
        token = world.client("owner").post(f"/api/v1/projects/{world.project.pk}/service-tokens/",
                                           {"name": "shop"}, format="json").json()  # fmt: skip
        user_token = APIClient().post("/api/v1/auth/token/",
                                      {"username": "owner", "password": "pw"}, format="json")  # fmt: skip
    finally:
        receiver.server.shutdown()
    assert Delivery.objects.filter(status="succeeded").count() == 1  # the retry got through
    secrets = [created["secret"], stored(created["id"]), token["key"], user_token.json()["token"]]
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records  # something was logged
    for secret in secrets:
        assert secret not in text

"""Webhook secrets are stored encrypted (apps.core.crypto): encrypt the existing ones."""

from django.db import migrations, models

from apps.core.crypto import decrypt, encrypt


def encrypt_secrets(apps, schema_editor):
    Webhook = apps.get_model("webhooks", "Webhook")
    for hook in Webhook.objects.only("pk", "secret").iterator():
        Webhook.objects.filter(pk=hook.pk).update(secret_encrypted=encrypt(hook.secret))


def decrypt_secrets(apps, schema_editor):
    Webhook = apps.get_model("webhooks", "Webhook")
    for hook in Webhook.objects.only("pk", "secret_encrypted").iterator():
        Webhook.objects.filter(pk=hook.pk).update(secret=decrypt(hook.secret_encrypted))


class Migration(migrations.Migration):

    dependencies = [
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhook",
            name="secret_encrypted",
            field=models.TextField(default="", help_text="The signing secret, Fernet-encrypted."),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        # a default, so that migrating back can re-add the column to existing rows
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=models.CharField(max_length=64, default=""),
        ),
        migrations.RemoveField(
            model_name="webhook",
            name="secret",
        ),
    ]

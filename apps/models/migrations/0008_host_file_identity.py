"""A uuid on training runs and model versions to name their files on a host (a primary key
repeats when a database is recreated, and a host's work folder may outlive the database),
and the SHA-256 of a run's stored checkpoint.

The uuid columns come in three migrations so that every existing row gets a value of its own
(AddField with default=uuid.uuid4 would give them all the same one): added nullable here,
filled row by row in 0009, made unique and not null in 0010. Separate migrations keep the
data change out of the schema changes' transaction (PostgreSQL refuses an ALTER TABLE with
pending trigger events)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mlmodels', '0007_run_log_chunks'),
    ]

    operations = [
        migrations.AddField(
            model_name='trainingrun',
            name='uid',
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='modelversion',
            name='uid',
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='trainingrun',
            name='checkpoint_sha256',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
    ]

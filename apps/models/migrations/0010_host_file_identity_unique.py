"""Every row has its own uuid now (0009): unique, not null, and a fresh one for new rows."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mlmodels', '0009_fill_host_file_identity'),
    ]

    operations = [
        migrations.AlterField(
            model_name='trainingrun',
            name='uid',
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name='modelversion',
            name='uid',
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]

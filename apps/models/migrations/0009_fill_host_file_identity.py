"""A fresh uuid for every existing training run and model version (see 0008)."""

import uuid

from django.db import migrations


def fill_uids(apps, schema_editor) -> None:
    for name in ("TrainingRun", "ModelVersion"):
        model = apps.get_model("mlmodels", name)
        rows = list(model.objects.filter(uid__isnull=True).only("pk"))
        for row in rows:
            row.uid = uuid.uuid4()
        model.objects.bulk_update(rows, ["uid"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('mlmodels', '0008_host_file_identity'),
    ]

    operations = [
        migrations.RunPython(fill_uids, migrations.RunPython.noop, elidable=True),
    ]

"""An index of the entry bundles still held in the database (archive.py: a release reads
only those, not every archived row)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('transparency', '0003_leaf_tiles_from_bundles'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='entrybundle',
            index=models.Index(condition=models.Q(('data', b''), _negated=True), fields=['index'], name='entrybundle_held'),
        ),
    ]

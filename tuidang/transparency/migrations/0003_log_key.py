from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('transparency', '0002_witnesses'),
    ]

    operations = [
        migrations.AddField(
            model_name='logstate',
            name='verifier_key',
            field=models.CharField(blank=True, default='', max_length=300),
        ),
    ]

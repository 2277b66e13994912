from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('transparency', '0003_log_key'),
    ]

    operations = [
        migrations.CreateModel(
            name='Lease',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.CharField(blank=True, default='', max_length=200)),
                ('epoch', models.BigIntegerField(default=0)),
                ('heartbeat', models.BigIntegerField(default=0)),
                ('since_publication', models.IntegerField(null=True)),
            ],
        ),
    ]

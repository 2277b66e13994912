"""The registry's tables as they are (all earlier migrations squashed: nothing ran in
production before, so there is nothing to convert).

Written by makemigrations, then edited by hand in one place: the declaration table's
columns come in the order the earlier migrations left them, not the model's, because
on PostgreSQL the order sets the alignment padding of every row (docs/performance.md:
the model's order costs 8 bytes more a one-person declaration). makemigrations does
not see column order, so it keeps this as it is.

The status, channel and statement status columns are plain CharFields here: they hold
one-character codes (registry/coded.py), which the two partial indexes name.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DaySerials',
            fields=[
                ('day', models.DateField(primary_key=True, serialize=False)),
                ('first', models.BigIntegerField()),
                ('last', models.BigIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name='Declaration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('received', 'Received'), ('held', 'Held for review'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('revoked', 'Revoked')], default='received', max_length=10)),
                ('channel', models.CharField(choices=[('self', 'Declared by themselves'), ('in-person', 'Through a helper, in person'), ('phone', 'Through a helper, by phone'), ('hotline', 'Through the hotline'), ('email', 'Through a helper, by e-mail'), ('import', 'Imported')], max_length=10)),
                ('received_on', models.DateField(help_text='Date in China Standard Time; never a time.')),
                ('hold_reason', models.CharField(blank=True, max_length=32)),
                ('person_count', models.PositiveSmallIntegerField()),
                ('party_count', models.PositiveSmallIntegerField()),
                ('league_count', models.PositiveSmallIntegerField()),
                ('pioneers_count', models.PositiveSmallIntegerField()),
                ('statement_title', models.CharField(blank=True, max_length=200)),
                ('statement_text', models.TextField(blank=True)),
                ('statement_status', models.CharField(choices=[('none', 'No statement'), ('pending', 'Waiting for review'), ('approved', 'Approved'), ('rejected', 'Not published')], default='none', max_length=10)),
                ('statement_salt', models.BinaryField(max_length=16)),
                ('log_index', models.BigIntegerField(blank=True, null=True)),
                ('is_published', models.BooleanField(default=False)),
                ('helper', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='submissions', to=settings.AUTH_USER_MODEL)),
                ('private_commitment', models.BinaryField(default=b'', max_length=32)),
                ('sealed_private', models.BinaryField(blank=True, null=True)),
                ('import_key', models.BinaryField(blank=True, max_length=16, null=True)),
                ('receipt_hash', models.BinaryField(max_length=8)),
                ('people', models.BinaryField()),
                ('identity_digest', models.BigIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name='Total',
            fields=[
                ('key', models.CharField(max_length=40, primary_key=True, serialize=False)),
                ('value', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='DailyCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('key', models.CharField(max_length=40)),
                ('value', models.BigIntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('day', 'key'), name='dailycount_day_key')],
            },
        ),
        migrations.CreateModel(
            name='HeldEntry',
            fields=[
                ('declaration', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='held_entry', serialize=False, to='registry.declaration')),
                ('data', models.BinaryField()),
            ],
        ),
        migrations.CreateModel(
            name='PendingEntry',
            fields=[
                ('declaration', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='pending_entry', serialize=False, to='registry.declaration')),
                ('data', models.BinaryField()),
            ],
        ),
        migrations.CreateModel(
            name='PersonIdentity',
            fields=[
                ('pk', models.CompositePrimaryKey('declaration_id', 'position', blank=True, editable=False, primary_key=True, serialize=False)),
                ('position', models.PositiveSmallIntegerField()),
                ('digest', models.BigIntegerField()),
                ('declaration', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='other_identities', to='registry.declaration')),
            ],
        ),
        migrations.CreateModel(
            name='Revocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('retracted', 'Retracted by the declarant'), ('moderator', 'Revoked by a moderator'), ('contest', 'Successfully contested')], max_length=10)),
                ('decided_on', models.DateField()),
                ('log_index', models.BigIntegerField(blank=True, null=True, unique=True)),
                ('declaration', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='revocation', to='registry.declaration')),
            ],
        ),
        migrations.AddIndex(
            model_name='declaration',
            index=models.Index(condition=models.Q(('status', 'h')), fields=['id'], name='declaration_held'),
        ),
        migrations.AddIndex(
            model_name='declaration',
            index=models.Index(condition=models.Q(('statement_status', 'p')), fields=['id'], name='declaration_statement'),
        ),
        migrations.AddIndex(
            model_name='declaration',
            index=models.Index(condition=models.Q(('is_published', True)), fields=['id'], name='declaration_published'),
        ),
        migrations.AddIndex(
            model_name='declaration',
            index=models.Index(condition=models.Q(('helper__isnull', False)), fields=['helper', 'id'], name='declaration_helper_id'),
        ),
        migrations.AddIndex(
            model_name='declaration',
            index=models.Index(fields=['identity_digest'], name='declaration_identity'),
        ),
        migrations.AddConstraint(
            model_name='declaration',
            constraint=models.UniqueConstraint(condition=models.Q(('import_key__isnull', False)), fields=('import_key',), name='declaration_import_key'),
        ),
        migrations.AddIndex(
            model_name='personidentity',
            index=models.Index(fields=['digest'], name='personidentity_digest'),
        ),
        migrations.AddIndex(
            model_name='revocation',
            index=models.Index(fields=['log_index', 'id'], name='revocation_pending'),
        ),
    ]

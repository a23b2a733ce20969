# The idempotency table moved here from tracker (tracker 0002 created it):
# only Django's model state moves, the table and its rows stay as they are.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tracker', '0002_api_idempotency'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ApiIdempotencyKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=255)),
                        ('request_hash', models.CharField(help_text='SHA-256 of method, path and canonical JSON body.', max_length=64)),
                        ('response_status', models.PositiveSmallIntegerField()),
                        ('response_body', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'tracker_apiidempotencykey',
                        'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='one_idempotency_key_per_user')],
                    },
                ),
            ],
        ),
    ]

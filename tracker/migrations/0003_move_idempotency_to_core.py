# ApiIdempotencyKey now belongs to core (core 0001 takes over its state);
# the table is kept, so nothing is dropped here.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0002_api_idempotency'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='ApiIdempotencyKey')],
        ),
    ]

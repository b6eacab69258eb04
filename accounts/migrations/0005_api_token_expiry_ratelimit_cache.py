"""Issue 13 §9: API tokens expire, and rate-limit counts get their own cache table.

Existing tokens expire API_TOKEN_LIFETIME_DAYS after they were made, but not sooner than 14 days
after this migration, so that their owners have time to make new ones. The `ratelimit` cache's
table (settings.CACHES) is made here, like the default cache's in 0003; createcachetable skips
tables that exist.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.db import migrations, models
from django.utils import timezone

import accounts.models


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def expire_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    grace = timezone.now() + timedelta(days=14)
    lifetime = timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    for token in ApiToken.objects.only("pk", "created_at").iterator(chunk_size=2000):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=max(token.created_at + lifetime, grace))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_user_phone_hash")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=accounts.models.api_token_expiry, verbose_name="有效期至"),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]

"""One account per phone and per ID number (issue 13 §3): `User.phone_hash`, the keyed hash of the
phone (lib/fieldcrypt.phone_hash), filled for existing accounts, and a unique constraint on each
hash where it is not blank.

Existing data may hold duplicates, and the migration must not stop on them. Accounts are taken in
the order they were made (by id): the first keeps its hash, each later account with the same phone
or ID number is left with a blank hash (its phone and encrypted ID number stay as they were), and
the ids of those accounts are logged as a warning (logger `accounts.migrations`), no personal data.
An administrator then decides which account is the person's; until then the later ones are not
found by phone or ID number, and no import can attach anything to them.
"""

import logging

from django.db import migrations, models

logger = logging.getLogger("accounts.migrations")


def fill_hashes(apps, schema_editor):
    from lib import fieldcrypt

    User = apps.get_model("accounts", "User")
    phones: set[str] = set()
    id_numbers: set[str] = set()
    changed, duplicates = [], []
    for user in User.objects.order_by("pk").only("pk", "phone", "id_number_hash").iterator(chunk_size=2000):
        phone_hash = fieldcrypt.phone_hash(user.phone)
        id_number_hash = user.id_number_hash
        if phone_hash in phones or id_number_hash in id_numbers:
            duplicates.append(user.pk)
        if phone_hash in phones:
            phone_hash = ""
        if id_number_hash in id_numbers:
            id_number_hash = ""
        if phone_hash:
            phones.add(phone_hash)
        if id_number_hash:
            id_numbers.add(id_number_hash)
        if phone_hash or id_number_hash != user.id_number_hash:
            user.phone_hash, user.id_number_hash = phone_hash, id_number_hash
            changed.append(user)
    User.objects.bulk_update(changed, ["phone_hash", "id_number_hash"], batch_size=500)
    if duplicates:
        logger.warning(
            "%s accounts share a phone or ID number with an earlier account; their look-up hash is left "
            "blank until an administrator resolves them: user ids %s",
            len(duplicates),
            ", ".join(map(str, duplicates)),
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_cache_table")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(fill_hashes, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("phone_hash", ""), _negated=True),
                fields=("phone_hash",),
                name="user_unique_phone_hash",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("id_number_hash", ""), _negated=True),
                fields=("id_number_hash",),
                name="user_unique_id_number_hash",
            ),
        ),
    ]

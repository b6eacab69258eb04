"""Issue 13 §12: phones are stored encrypted, like ID numbers (lib/fieldcrypt.py), beside the keyed
hash that migration 0004 added for look-up. Each existing phone is encrypted into
`phone_encrypted` (its hash is left as 0004 set it: blank for the later of two accounts sharing a
phone), then the clear-text column goes. Reversing decrypts them back."""

from django.db import migrations, models


def encrypt_phones(apps, schema_editor):
    from lib import fieldcrypt

    User = apps.get_model("accounts", "User")
    changed = []
    for user in User.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=2000):
        user.phone_encrypted = fieldcrypt.encrypt(user.phone.strip())
        changed.append(user)
    User.objects.bulk_update(changed, ["phone_encrypted"], batch_size=500)


def decrypt_phones(apps, schema_editor):
    from lib import fieldcrypt

    User = apps.get_model("accounts", "User")
    changed = []
    for user in User.objects.exclude(phone_encrypted="").only("pk", "phone_encrypted").iterator(chunk_size=2000):
        user.phone = fieldcrypt.decrypt(user.phone_encrypted)[:11]
        changed.append(user)
    User.objects.bulk_update(changed, ["phone"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_password_history_and_age")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones, elidable=False),
        migrations.RemoveField(model_name="user", name="phone"),
    ]

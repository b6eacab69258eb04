"""Issue 13 §12: technique holders' phones are stored encrypted, like their ID numbers and like
accounts' phones (accounts 0007), beside a keyed hash. Each existing phone is encrypted, then the
clear-text column goes. Reversing decrypts them back."""

from django.db import migrations, models


def encrypt_phones(apps, schema_editor):
    from lib import fieldcrypt

    Holder = apps.get_model("techniques", "TechniqueHolder")
    changed = []
    for holder in Holder.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=2000):
        holder.phone_encrypted = fieldcrypt.encrypt(holder.phone.strip())
        holder.phone_hash = fieldcrypt.phone_hash(holder.phone.strip())
        changed.append(holder)
    Holder.objects.bulk_update(changed, ["phone_encrypted", "phone_hash"], batch_size=500)


def decrypt_phones(apps, schema_editor):
    from lib import fieldcrypt

    Holder = apps.get_model("techniques", "TechniqueHolder")
    changed = []
    for holder in Holder.objects.exclude(phone_encrypted="").only("pk", "phone_encrypted").iterator(chunk_size=2000):
        holder.phone = fieldcrypt.decrypt(holder.phone_encrypted)[:11]
        changed.append(holder)
    Holder.objects.bulk_update(changed, ["phone"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("techniques", "0006_files_server_names")]

    operations = [
        migrations.AddField(
            model_name="techniqueholder",
            name="phone_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="techniqueholder",
            name="phone_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones, elidable=False),
        migrations.RemoveField(model_name="techniqueholder", name="phone"),
    ]

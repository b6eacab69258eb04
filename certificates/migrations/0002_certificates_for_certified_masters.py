"""Masters certified before certificates existed had only a number on their record: give each a
signed master certificate with that same number, so /verify/ answers for it."""

from django.db import migrations


def forwards(apps, schema_editor):
    from certificates import signing

    Master = apps.get_model("masters", "Master")
    Certificate = apps.get_model("certificates", "Certificate")
    Organization = apps.get_model("accounts", "Organization")
    ContentType = apps.get_model("contenttypes", "ContentType")
    masters = Master.objects.filter(status="certified").exclude(certificate_number=None)
    if not masters.exists():
        return
    guide = Organization.objects.filter(kind="guiding").order_by("pk").first()
    if guide is None:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="masters", model="master")
    for master in masters.iterator():
        if Certificate.objects.filter(number=master.certificate_number).exists():
            continue
        issued = (master.certified_at or master.updated_at).date()
        payload = signing.Payload(
            kind="master",
            number=master.certificate_number,
            holder=signing.mask_name(master.name),
            master=master.name,
            term_start=issued.isoformat(),
            term_end="",
            issued_on=issued.isoformat(),
        )
        Certificate.objects.create(
            number=master.certificate_number,
            kind="master",
            holder_id=master.user_id,
            holder_name=master.name,
            master_id=master.pk,
            master_name=master.name,
            term_start=issued,
            issued_on=issued,
            issuer=guide,
            content_type=content_type,
            object_id=master.pk,
            signature=signing.sign(payload),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("masters", "0003_mastermaterial_materialpartner_and_more"),
        ("accounts", "0002_load_regions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

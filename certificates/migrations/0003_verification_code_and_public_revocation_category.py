"""Issue 13 §13: every certificate gets its own random verification code (the public page needs it
beside the sequential number), and a revocation a public category beside its internal reason.

Existing certificates get a code each here (a callable default on AddField would give them all
the same one); those already revoked are put under 其他, so their internal reason is no longer
what the public page shows."""

import secrets

from django.db import migrations, models

import certificates.models

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def codes_and_categories(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    for certificate in Certificate.objects.only("pk", "status").iterator():
        certificate.verification_code = "".join(secrets.choice(ALPHABET) for _ in range(10))
        fields = ["verification_code"]
        if certificate.status == "revoked":
            certificate.revoked_category = "other"
            fields.append("revoked_category")
        certificate.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0002_certificates_for_certified_masters"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="revoked_category",
            field=models.CharField(
                blank=True,
                choices=[
                    ("error", "信息有误"),
                    ("violation", "违反规定"),
                    ("holder_request", "本人申请"),
                    ("other", "其他"),
                ],
                default="",
                max_length=16,
                verbose_name="撤销类别",
            ),
        ),
        migrations.AddField(
            model_name="certificate",
            name="verification_code",
            field=models.CharField(default="", editable=False, max_length=16, verbose_name="查验码"),
            preserve_default=False,
        ),
        migrations.RunPython(codes_and_categories, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="certificate",
            name="verification_code",
            field=models.CharField(
                default=certificates.models.new_verification_code, editable=False, max_length=16, verbose_name="查验码"
            ),
        ),
    ]

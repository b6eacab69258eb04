"""Check a scanned certificate QR code offline: `manage.py verify_certificate_payload '<text>'`.

Uses only the public key (this installation's, or --public-key FILE with the PEM published on
/verify/key/), never the database: what a checker at a clinic without network would do."""

from django.core.management.base import BaseCommand, CommandError

from certificates import signing


class Command(BaseCommand):
    help = "离线核验证书二维码内容（链接或 d=…&s=… 数据）的签名"

    def add_arguments(self, parser):
        parser.add_argument("text", help="扫描二维码所得的文本")
        parser.add_argument("--public-key", help="公钥 PEM 文件（默认用本平台的公钥）")

    def handle(self, *args, text: str, public_key: str | None = None, **options):
        key = None
        if public_key:
            with open(public_key, encoding="ascii") as handle:
                key = signing.load_public_key(handle.read())
        scanned = signing.parse_scanned(text)
        if scanned.payload is None:
            raise CommandError(scanned.error)
        p = scanned.payload
        term = f"{p.term_start or '—'} 至 {p.term_end or '长期'}"
        self.stdout.write(f"证书编号：{p.number}\n类别：{p.kind}\n持证人：{p.holder}\n传承人：{p.master}")
        self.stdout.write(f"期限：{term}\n颁发日期：{p.issued_on}")
        if scanned.error:
            raise CommandError(scanned.error)
        if not signing.signature_valid(p, scanned.signature, key):
            raise CommandError("签名不符，证书可能被篡改")
        self.stdout.write(self.style.SUCCESS("证书签名有效（是否已撤销请在线查验）"))

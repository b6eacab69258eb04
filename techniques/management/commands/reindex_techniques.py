from django.core.management.base import BaseCommand

from techniques.models import Technique
from techniques.search import BATCH, reindex


class Command(BaseCommand):
    help = "重建优势技术的全文检索索引。--missing 只处理尚未建立索引的技术（例如后台索引任务失败后）。"

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="只处理尚未建立索引的技术")

    def handle(self, *args, missing: bool, **options):
        techniques = Technique.objects.order_by("pk")
        if missing:
            # Every indexed technique has a name, so an empty search text means "never indexed".
            techniques = techniques.filter(search_text="")
        ids = list(techniques.values_list("pk", flat=True))
        done = 0
        for start in range(0, len(ids), BATCH):
            done += reindex(ids[start : start + BATCH])
            self.stderr.write(f"\r已更新 {done:,} / {len(ids):,} 项", ending="")
        if ids:
            self.stderr.write("")
        self.stdout.write(self.style.SUCCESS(f"检索索引已更新：{done:,} 项"))

"""Demo data of the lineage app, loaded by chuancheng.demo.load_demo (make run): a real, documented
lineage — the 孟河医派 from 费伯雄 and 马培之 to 丁甘仁 and his school's first graduates — read
from lineage/data/menghe.json, whose README names every source. Entered by the demo's county
staff and verified by the city's, through the real services, so the audit log reads as the
workflow makes it. Idempotent: make run calls load_demo on every start."""

from __future__ import annotations

import json
from pathlib import Path

from accounts.models import User
from lineage import services
from lineage.models import Link, Person

DATA = Path(__file__).resolve().parent / "data" / "menghe.json"
ENTERED_BY = "county"  # 孙志强, 盐湖区卫生健康局
VERIFIED_BY = "cityoffice"  # 杨慧敏, 运城市卫生健康委员会


def load_demo_lineage(orgs=None, *, entering: User | None = None, verifying: User | None = None) -> list[Link]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    entering = entering or User.objects.get(username=ENTERED_BY)
    verifying = verifying or User.objects.get(username=VERIFIED_BY)
    names = [p["name"] for p in data["people"]]
    if Person.objects.filter(name__in=names, entered_by=entering).exists():
        return []
    people = {}
    for row in data["people"]:
        fields = {k: v for k, v in row.items() if k != "key"}
        people[row["key"]] = services.person_create(actor=entering, **fields)
    sources = {key: services.source_create(actor=entering, **fields) for key, fields in data["sources"].items()}
    links = []
    for row in data["links"]:
        first, *more = row["cite"]
        link = services.link_create(
            actor=entering,
            teacher=people[row["teacher"]],
            disciple=people[row["disciple"]],
            kind=row["kind"],
            certainty=row["certainty"],
            note=row.get("note", ""),
            citation={"source": sources[first[0]], "quoted_text": first[1], "certainty": row["certainty"]},
        )
        for key, quoted in more:
            services.citation_add(
                actor=entering, link=link, source=sources[key], quoted_text=quoted, certainty=row["certainty"]
            )
        services.link_move(link, to=Link.Status.SUBMITTED, actor=entering)
        services.link_move(link, to=Link.Status.VERIFIED, actor=verifying)
        links.append(link)
    return links

"""Who may open each page of the cases app (walked by portal/tests/test_every_url.py)."""

from __future__ import annotations

OFFICE_AND_MASTER = ("zhang", "sun", "zhou", "yang", "lin", "admin")


def _objects(world):
    from cases.importing import cases_import
    from cases.models import CaseRecord
    from cases.services import Selection, analysis_run, protocol_create
    from cases.tests.factories import apprenticeship_of
    from cases.tests.sheets import row, sheet

    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet([row()])).ok
    case = CaseRecord.objects.get(owner=world.zhang)
    analysis = analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk))
    protocol = protocol_create(
        actor=world.zhang,
        analysis=analysis,
        title="不寐诊疗方案",
        diagnosis="失眠",
        principle="养心安神",
        prescription="酸枣仁汤",
    )
    relation = apprenticeship_of(world)
    return case, analysis, protocol, relation


def expectations(world, groups) -> dict:
    only, signed_in, everyone = groups["only"], groups["signed_in"], groups["everyone"]
    case, analysis, protocol, relation = _objects(world)
    # 张医生's case at 运城市中医医院 (盐湖区): himself, 盐湖区's and the city's office staff; 陈专家
    # works there too but an expert has no role on case records (403); everyone else: 404.
    zhang = only({"zhang": 200, "sun": 200, "yang": 200, "admin": 200, "chen": 403}, 404)
    zhang_own = only({"zhang": 200, "admin": 200, "sun": 403, "yang": 403, "chen": 403}, 404)
    analysts = only({p: 200 for p in ("zhang", "liming", "wang", "zhao", "sun", "zhou", "yang", "lin", "admin")}, 403)
    # 李明's apprenticeship at 永济市中医医院 with 张医生: both parties, 永济's and the city's staff,
    # the programme's units; 陈专家 reaches it through 张医生's hospital but has no role.
    apprenticeship = only(
        {p: 200 for p in ("liming", "zhang", "zhou", "yang", "wang", "zhao", "admin")} | {"chen": 403}, 404
    )
    table = {
        "cases:case-list": ({}, {}, signed_in(200)),
        "cases:case-create": ({}, {}, only({"zhang": 200, "liming": 200, "admin": 200}, 403)),
        "cases:case-detail": ({"pk": case.pk}, {}, zhang),
        "cases:visit-add": ({"pk": case.pk}, {}, zhang_own),
        "cases:import": ({}, {}, only({"zhang": 200, "liming": 200, "admin": 200}, 403)),
        "cases:herb-queue": ({}, {}, only(dict.fromkeys(OFFICE_AND_MASTER, 200), 403)),
        "cases:analysis-create": ({}, {}, analysts),
        "cases:analysis-detail": ({"pk": analysis.pk}, {}, zhang),
        "cases:analysis-rerun": ({"pk": analysis.pk}, {}, signed_in(405)),
        "cases:analysis-export": ({"pk": analysis.pk}, {}, zhang),
        "cases:protocol-create": ({"pk": analysis.pk}, {}, {**zhang, "sun": 403, "yang": 403}),
        "cases:fidelity": ({"apprenticeship": relation.pk}, {}, apprenticeship),
        "cases:protocol-list": ({}, {}, everyone(200)),
        "cases:protocol-detail": ({"pk": protocol.pk}, {}, {**zhang, "anon": 404}),
        "cases:protocol-edit": ({"pk": protocol.pk}, {}, zhang_own),
        "cases:protocol-advance": ({"pk": protocol.pk}, {}, signed_in(405)),
    }
    table.update(_api(world, case, analysis, protocol, relation, zhang, apprenticeship))
    return table


def _api(world, case, analysis, protocol, relation, zhang, apprenticeship) -> dict:
    from portal.tests.test_every_url import everyone, only, signed_in

    return {
        "api:case_list": ({}, {}, signed_in(200, anon=401)),
        "api:case_get": ({"pk": case.pk}, {}, {**zhang, "anon": 401}),
        "api:case_create": ({}, {}, signed_in(200, anon=401)),  # the same path as case_list
        "api:case_visit_add": ({"pk": case.pk}, {}, everyone(405)),
        "api:herb_queue_list": ({}, {}, only(dict.fromkeys(OFFICE_AND_MASTER, 200), 403, anon=401)),
        "api:herb_mapping_save": ({}, {}, everyone(405)),
        "api:case_analysis_create": ({}, {}, everyone(405)),
        "api:case_analysis_get": ({"pk": analysis.pk}, {}, {**zhang, "anon": 401}),
        "api:case_fidelity_get": ({"pk": relation.pk}, {}, {**apprenticeship, "anon": 401}),
        "api:protocol_public_list": ({}, {}, everyone(200)),
        "api:protocol_get": ({"pk": protocol.pk}, {}, {**zhang, "chen": 404, "anon": 404}),
        "api:protocol_create": ({"pk": analysis.pk}, {}, everyone(405)),
        "api:protocol_update": ({"pk": protocol.pk}, {}, everyone(405)),
        "api:protocol_advance": ({"pk": protocol.pk}, {}, everyone(405)),
    }

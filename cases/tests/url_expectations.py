"""Who may open each page of the cases app (walked by portal/tests/test_every_url.py)."""

from __future__ import annotations


def _objects(world):
    from cases.importing import cases_import
    from cases.models import CaseRecord
    from cases.services import Selection, analysis_run
    from cases.tests.sheets import row, sheet

    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet([row()])).ok
    case = CaseRecord.objects.get(owner=world.zhang)
    analysis = analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk))
    return case, analysis


def expectations(world, groups) -> dict:
    only, signed_in = groups["only"], groups["signed_in"]
    case, analysis = _objects(world)
    # 张医生's case at 运城市中医医院 (盐湖区): himself, 盐湖区's and the city's office staff; 陈专家
    # works there too but an expert has no role on case records (403); everyone else: 404.
    zhang = only({"zhang": 200, "sun": 200, "yang": 200, "admin": 200, "chen": 403}, 404)
    analysts = only({p: 200 for p in ("zhang", "liming", "wang", "zhao", "sun", "zhou", "yang", "lin", "admin")}, 403)
    table = {
        "cases:case-list": ({}, {}, signed_in(200)),
        "cases:case-detail": ({"pk": case.pk}, {}, zhang),
        "cases:import": ({}, {}, only({"zhang": 200, "liming": 200, "admin": 200}, 403)),
        "cases:analysis-create": ({}, {}, analysts),
        "cases:analysis-detail": ({"pk": analysis.pk}, {}, zhang),
        "cases:analysis-rerun": ({"pk": analysis.pk}, {}, signed_in(405)),
        "cases:analysis-export": ({"pk": analysis.pk}, {}, zhang),
    }
    table.update(_api(world, case, analysis, zhang))
    return table


def _api(world, case, analysis, zhang) -> dict:
    """Only once chuancheng/api.py mounts cases.api.router."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("api:case_list")
    except NoReverseMatch:
        return {}
    from portal.tests.test_every_url import everyone, signed_in

    return {
        "api:case_list": ({}, {}, signed_in(200, anon=401)),
        "api:case_get": ({"pk": case.pk}, {}, {**zhang, "anon": 401}),
        "api:case_analysis_create": ({}, {}, everyone(405)),
        "api:case_analysis_get": ({"pk": analysis.pk}, {}, {**zhang, "anon": 401}),
    }

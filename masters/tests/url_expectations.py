"""Who may open each masters URL (walked by portal/tests/test_every_url.py)."""


def expectations(world, groups):
    from masters.tests.factories import applicant, application_for, certified

    everyone, signed_in, only = groups["everyone"], groups["signed_in"], groups["only"]
    # 张医生's draft in 盐湖区: himself, the county's and the city's office staff; 陈专家 works in
    # the same hospital (reaches it) but an expert may not open it (403). The programme's units do
    # not see a draft until it is submitted.
    draft = application_for(world)
    listed = certified(world, applicant(world, "张德润"))
    view = only({"zhang": 200, "sun": 200, "yang": 200, "admin": 200, "chen": 403}, 404)
    edit = only({"zhang": 200, "admin": 200, "sun": 403, "yang": 403, "chen": 403}, 404)
    return {
        "masters:directory": ({}, {"q": "zdr"}, everyone(200)),
        "masters:profile": ({"pk": listed.pk}, {}, everyone(200)),
        "masters:application-create": ({}, {}, signed_in(200)),
        "masters:application-list": ({}, {}, signed_in(200)),
        "masters:application-detail": ({"pk": draft.pk}, {}, view),
        "masters:application-edit": ({"pk": draft.pk}, {}, edit),
        "masters:application-submit": ({"pk": draft.pk}, {}, signed_in(405)),
        "masters:application-advance": ({"pk": draft.pk}, {}, signed_in(405)),
        "masters:exemption-decide": ({"pk": draft.pk}, {}, signed_in(405)),
        "masters:review-queue": ({}, {}, only({"wang": 200, "zhao": 200, "admin": 200}, 403)),
    }

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
    from masters import services

    # A product without a file, unpublished: its file URL answers 404 to everyone who may see it
    # and to everyone outside its scope; 张医生 and 陈专家 at the same hospital reach it without the
    # act (403). Files are covered in test_materials.py and test_file_serving.py, which keep
    # uploads out of the checkout's media/.
    product = services.master_material_add(
        master=listed, actor=listed.user, kind="product", title="通络止痛方", product_type="prescription"
    )
    api_view = {**view, "anon": 401}
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
        "masters:material-list": ({"pk": draft.pk}, {}, edit),
        "masters:material-file": ({"pk": product.pk}, {}, only({"zhang": 403, "chen": 403}, 404, anon=404)),
        "masters:material-publish": ({"pk": product.pk}, {}, signed_in(405)),
        "masters:material-remove": ({"pk": product.pk}, {}, signed_in(405)),
        "masters:partner-add": ({"pk": product.pk}, {}, signed_in(405)),
        "api:master_directory_list": ({}, {"q": "zdr"}, everyone(200)),
        "api:master_profile_get": ({"pk": listed.pk}, {}, everyone(200)),
        # GET on a path that also takes POST/PATCH answers with the list or the record.
        "api:master_application_list": ({}, {}, signed_in(200, anon=401)),
        "api:master_application_create": ({}, {}, signed_in(200, anon=401)),
        "api:master_application_get": ({"pk": draft.pk}, {}, api_view),
        "api:master_application_update": ({"pk": draft.pk}, {}, api_view),
        "api:master_application_submit": ({"pk": draft.pk}, {}, everyone(405)),
        "api:master_application_review": ({"pk": draft.pk}, {}, everyone(405)),
        "api:master_application_select": ({"pk": draft.pk}, {}, everyone(405)),
        "api:master_application_certify": ({"pk": draft.pk}, {}, everyone(405)),
        "api:master_material_list": ({"pk": listed.pk}, {}, everyone(200)),
        "api:master_material_upload": ({"pk": listed.pk}, {}, everyone(200)),
    }

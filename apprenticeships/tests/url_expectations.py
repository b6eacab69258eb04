"""Who may open each apprenticeships URL (walked by portal/tests/test_every_url.py)."""


def expectations(world, groups):
    from apprenticeships import services
    from apprenticeships.tests.factories import a_master, approved_for, draft_for, live_match, pdf
    from masters.tests.factories import applicant

    everyone, signed_in, only = groups["everyone"], groups["signed_in"], groups["only"]
    master = a_master(world, "薛荣昌")
    # 李明's draft in 永济市: himself, the county's and the city's office staff; the programme's
    # units do not see a draft until it is submitted.
    draft = draft_for(world, [master])
    document = draft.documents.first()
    # 王小红's approved application, accepted by the master; she has signed with a scan.
    other = applicant(world, "王小红", "140881")
    approved = approved_for(world, [master], user=other)
    match = live_match(approved)
    services.apprentice_match_decide(match=match, actor=master.user, accept=True)
    signature = services.apprentice_contract_sign(match=match, actor=other, scan=pdf("签字合同.pdf"))
    # The master countersigns: their apprenticeship exists.
    services.apprentice_contract_sign(match=match, actor=master.user)
    apprenticeship = match.apprenticeship

    view = only({"liming": 200, "zhou": 200, "yang": 200, "admin": 200}, 404)
    edit = only({"liming": 200, "admin": 200, "zhou": 403, "yang": 403}, 404)
    # A match in 永济市: the county's and the city's staff and the programme's reviewers; 李明
    # works at the same hospital as the applicant (reaches it) but is no staff (403).
    match_view = only({"zhou": 200, "yang": 200, "wang": 200, "zhao": 200, "admin": 200, "liming": 403}, 404)
    # 王小红's apprenticeship at 永济市中医医院 with 薛荣昌 (运城市中医医院): the county's and the
    # city's staff and the programme's units; 李明 reaches it through his hospital and 张医生 and 陈专家
    # through the master's, but none of them is staff (403).
    apprenticeship_view = only(
        {"zhou": 200, "yang": 200, "wang": 200, "zhao": 200, "admin": 200, "liming": 403, "zhang": 403, "chen": 403},
        404,
    )
    reviewers = only({"wang": 200, "zhao": 200, "admin": 200}, 403)
    organizing = only({"wang": 200, "admin": 200}, 403)
    proposers = only({"wang": 200, "zhao": 200, "admin": 200, "zhou": 403, "yang": 403, "liming": 403}, 404)
    post = signed_in(405)
    api_post = everyone(405)
    return {
        "apprenticeships:application-list": ({}, {"status": "draft", "region": "140881"}, signed_in(200)),
        "apprenticeships:application-create": ({}, {"master_q": "xrc"}, signed_in(200)),
        "apprenticeships:application-detail": ({"pk": draft.pk}, {}, view),
        "apprenticeships:application-edit": ({"pk": draft.pk}, {}, edit),
        "apprenticeships:document-add": ({"pk": draft.pk}, {}, post),
        "apprenticeships:application-submit": ({"pk": draft.pk}, {}, post),
        "apprenticeships:application-withdraw": ({"pk": draft.pk}, {}, post),
        "apprenticeships:exemption-decide": ({"pk": draft.pk}, {}, post),
        "apprenticeships:application-vet": ({"pk": draft.pk}, {}, post),
        "apprenticeships:application-decide": ({"pk": draft.pk}, {}, post),
        "apprenticeships:match-propose": ({"pk": draft.pk}, {}, post),
        "apprenticeships:intention-change": ({"pk": draft.pk}, {}, post),
        "apprenticeships:document-download": ({"pk": document.pk}, {}, view),
        "apprenticeships:review-queue": ({}, {"submitted_from": "2020-01-01"}, reviewers),
        "apprenticeships:review-batch": ({}, {}, post),
        "apprenticeships:application-import": ({}, {}, organizing),
        "apprenticeships:import-template": ({}, {}, organizing),
        "apprenticeships:match-detail": ({"pk": match.pk}, {}, match_view),
        "apprenticeships:match-decide": ({"pk": match.pk}, {}, post),
        "apprenticeships:match-sign": ({"pk": match.pk}, {}, post),
        "apprenticeships:match-contract": ({"pk": match.pk}, {}, match_view),
        "apprenticeships:signature-scan": ({"pk": signature.pk}, {}, match_view),
        "apprenticeships:apprenticeship-list": ({}, {"status": "active"}, signed_in(200)),
        "apprenticeships:apprenticeship-detail": ({"pk": apprenticeship.pk}, {}, apprenticeship_view),
        "api:apprentice_application_list": ({}, {"status": "draft"}, signed_in(200, anon=401)),
        "api:apprentice_application_create": ({}, {}, signed_in(200, anon=401)),
        "api:apprentice_application_get": ({"pk": draft.pk}, {}, {**view, "anon": 401}),
        "api:apprentice_application_update": ({"pk": draft.pk}, {}, {**view, "anon": 401}),
        "api:apprentice_document_add": ({"pk": draft.pk}, {}, api_post),
        "api:apprentice_application_submit": ({"pk": draft.pk}, {}, api_post),
        "api:apprentice_application_withdraw": ({"pk": draft.pk}, {}, api_post),
        "api:apprentice_exemption_decide": ({"pk": draft.pk}, {}, api_post),
        "api:apprentice_application_vet": ({"pk": draft.pk}, {}, api_post),
        "api:apprentice_application_decide": ({"pk": draft.pk}, {}, api_post),
        "api:apprentice_match_suggestions": ({"pk": approved.pk}, {}, {**proposers, "anon": 401}),
        "api:apprentice_match_propose": ({"pk": approved.pk}, {}, api_post),
        "api:apprentice_match_get": ({"pk": match.pk}, {}, {**match_view, "anon": 401}),
        "api:apprentice_match_decide": ({"pk": match.pk}, {}, api_post),
        "api:apprentice_contract_sign": ({"pk": match.pk}, {}, api_post),
        "api:apprenticeship_list": ({}, {}, signed_in(200, anon=401)),
    }

"""Who may open each certificates URL (walked by portal/tests/test_every_url.py)."""


def expectations(world, groups):
    from certificates.models import Certificate
    from masters.tests.factories import applicant, certified

    everyone, signed_in, only = groups["everyone"], groups["signed_in"], groups["only"]
    # The master certificate of 张德润 (盐湖区, 运城市中医医院, issued by the guiding unit): the
    # county's and city's office staff and the programme's units see it; his colleagues at the
    # hospital (张医生, 陈专家) reach it but have no staff role (403).
    master = certified(world, applicant(world, "张德润"))
    certificate = Certificate.objects.get(master=master, kind=Certificate.Kind.MASTER)
    number = {"number": certificate.number}
    view = only({"zhang": 403, "sun": 200, "yang": 200, "wang": 200, "zhao": 200, "admin": 200, "chen": 403}, 404)
    # Only the issuing unit revokes: everyone else who sees it is refused.
    revoke = only({"admin": 200, "zhang": 403, "sun": 403, "yang": 403, "wang": 403, "zhao": 403, "chen": 403}, 404)
    return {
        "certificates:verify-lookup": ({}, {}, everyone(200)),
        "certificates:verify-key": ({}, {}, everyone(200)),
        "certificates:verify": (number, {}, everyone(200)),
        "certificates:certificate-list": ({}, {}, signed_in(200)),
        "certificates:certificate-detail": (number, {}, view),
        "certificates:certificate-pdf": (number, {}, view),
        "certificates:certificate-revoke": (number, {}, revoke),
        # The public API, like the page, opens a certificate only with its verification code.
        "api:certificate_verify": (number, {"c": certificate.verification_code}, everyone(200)),
        "api:certificate_public_key": ({}, {}, everyone(200)),
        "api:certificate_list": ({}, {}, signed_in(200, anon=401)),
        "api:certificate_get": (number, {}, {**view, "anon": 401}),
        "api:certificate_pdf": (number, {}, {**view, "anon": 401}),
        "api:certificate_revoke": (number, {}, everyone(405)),
    }

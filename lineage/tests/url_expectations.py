"""Who may open each lineage URL (walked by portal/tests/test_every_url.py)."""


def lineage_objects(world):
    """A verified link and a draft, both entered by 孙科员 of 盐湖区."""
    from lineage.tests.factories import book, link, person

    teacher = person(world, "费伯雄", birth="1800", death="1879")
    disciple = person(world, "费绳甫", birth="1851", death="1914")
    verified = link(world, teacher, disciple, kind="family")
    draft_person = person(world, "待考某人")
    draft = link(world, disciple, draft_person, verify=False)
    source = book(world)
    return teacher, draft_person, verified, draft, source


def expectations(world, groups):
    everyone, signed_in, only = groups["everyone"], groups["signed_in"], groups["only"]
    teacher, draft_person, verified, draft, source = lineage_objects(world)
    # Drafts are the entering office's: 盐湖区 (孙科员) and the city above it (杨主任).
    in_scope = only({"sun": 200, "yang": 200, "admin": 200}, 404, anon=404)
    staff = only({"sun": 200, "zhou": 200, "yang": 200, "lin": 200, "admin": 200}, 403)
    api_in_scope = {**in_scope, "anon": 401}
    return {
        "lineage:index": ({}, {"q": "费"}, everyone(200)),
        "lineage:person": ({"pk": teacher.pk}, {}, everyone(200)),
        "lineage:path": ({}, {"a": teacher.pk, "b": verified.disciple_id}, everyone(200)),
        "lineage:manage": ({}, {}, staff),
        "lineage:person-create": ({}, {}, staff),
        "lineage:link-create": ({}, {}, staff),
        "lineage:link": ({"pk": draft.pk}, {}, in_scope),
        "lineage:citation-add": ({"pk": draft.pk}, {}, signed_in(405)),
        # The book has no file: 404 to all who may see it, and to those who may not.
        "lineage:source-file": ({"pk": source.pk}, {}, only({}, 404)),
        "api:lineage_people": ({}, {"q": "费"}, everyone(200)),
        "api:lineage_person_get": ({"pk": teacher.pk}, {}, everyone(200)),
        "api:lineage_path": ({}, {"a": teacher.pk, "b": verified.disciple_id}, everyone(200)),
        # GET on a path that also takes POST answers with the list.
        "api:lineage_person_create": ({}, {}, everyone(200)),
        "api:lineage_link_list": ({}, {}, signed_in(200, anon=401)),
        "api:lineage_link_create": ({}, {}, signed_in(200, anon=401)),
        "api:lineage_link_get": ({"pk": draft.pk}, {}, api_in_scope),
        "api:lineage_citation_create": ({"pk": draft.pk}, {}, everyone(405)),
    }

"""Who may open each techniques URL added after the foundation's table (the rest are in
portal/tests/test_every_url.py); walked by portal/tests/test_every_url.py."""


def expectations(world, groups):
    from techniques import research
    from techniques.tests import factories

    everyone, signed_in, only = groups["everyone"], groups["signed_in"], groups["only"]
    published = factories.published(world)
    # A project recorded by 盐湖区卫生健康局: its staff and the city's reach it; 永济市's staff and
    # the township below do not (404); people without a staff or expert role may not read any.
    project = research.project_create(
        actor=world.sun,
        recorded_org=world.yanhu_health,
        data=research.ProjectData(title="盐湖区民间外治技术整理研究", organization="运城市中医医院", is_public=True),
    )
    # Records of 郭秀兰's published technique without files: each file URL answers 404 to everyone
    # (who may open which file, and how it is served, is in test_file_serving.py, which keeps
    # uploads out of the checkout's media/).
    from techniques import services

    protection = services.protection_add(technique=published, actor=world.yang, kind="patent", title="专利")
    consent = services.consent_record(
        technique=published, actor=world.yang, kind="research", granted=True, holder_name="郭秀兰"
    )
    procedure = services.procedure_add_version(technique=published, actor=world.yang, title="操作规程", body="第一版")
    readers = ("sun", "zhou", "yang", "lin", "wang", "zhao", "chen", "admin")
    keepers = ("sun", "zhou", "yang", "lin", "admin")
    listing = only(dict.fromkeys(readers, 200), 403)
    mine = only({"sun": 200, "yang": 200, "admin": 200}, 404)
    return {
        "techniques:research-list": ({}, {}, listing),
        "techniques:research-create": ({}, {}, only(dict.fromkeys(keepers, 200), 403)),
        "techniques:research-detail": ({"pk": project.pk}, {}, mine),
        "techniques:research-edit": ({"pk": project.pk}, {}, mine),
        "techniques:research-link": ({}, {}, signed_in(405)),
        "techniques:research-unlink": ({}, {}, signed_in(405)),
        "api:research_project_list": ({}, {}, {**listing, "anon": 401}),
        "api:research_project_create": ({}, {}, {**listing, "anon": 401}),
        "api:research_project_get": ({"pk": project.pk}, {}, {**mine, "anon": 401}),
        "api:research_project_update": ({"pk": project.pk}, {}, {**mine, "anon": 401}),
        "api:research_project_link": ({"pk": project.pk}, {}, everyone(405)),
        "api:research_project_unlink": ({"pk": project.pk, "technique_id": published.pk}, {}, everyone(405)),
        "techniques:scanned-original": ({"pk": published.pk}, {}, everyone(404)),
        "techniques:file": ({"pk": 0}, {}, everyone(404)),
        "techniques:protection-document": ({"pk": protection.pk}, {}, everyone(404)),
        "techniques:consent-document": ({"pk": consent.pk}, {}, everyone(404)),
        "techniques:procedure-document": ({"pk": procedure.pk}, {}, everyone(404)),
        "api:technique_public_research_projects": ({"pk": published.pk}, {}, everyone(200)),
        # A published technique is merged into nothing: those who see it are refused the page
        # (403), the rest do not see it (issue 12 §10).
        "techniques:merge": (
            {"pk": published.pk},
            {},
            only(dict.fromkeys(("guo", "lin", "sun", "yang", "admin"), 403), 404),
        ),
        "techniques:flag-dismiss": ({"pk": 0}, {}, signed_in(405)),
    }

"""Who may open each notifications URL (walked by portal/tests/test_every_url.py)."""


def expectations(world, groups):
    from notifications.services import notify

    signed_in, only = groups["signed_in"], groups["only"]
    notice = notify(recipients=[world.liming], title="您的师承申请已受理", url="/workbench/")[0]
    return {
        "notifications:inbox": ({}, {"unread": "1"}, signed_in(200)),
        # A notice is its recipient's alone: anyone else is told it does not exist.
        "notifications:open": ({"pk": notice.pk}, {}, only({"liming": 302}, 404)),
        "notifications:read-all": ({}, {}, signed_in(405)),
    }

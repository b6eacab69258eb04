"""Who may POST to each URL that accepts POST (walked by portal/tests/test_every_post.py).

`outcomes(default, ok=…, forbidden=…, hidden=…, login=…, no_post=…)`: the outcome for every
persona, `default` for those not named. See test_every_post.py for what each outcome means."""

from portal.tests.test_every_url import PERSONAS

NAMED = {"ok": "ok", "invalid": "invalid", "forbidden": 403, "hidden": 404, "login": "login", "no_post": 405}


def outcomes(default, **groups) -> dict:
    table = dict.fromkeys(PERSONAS, default)
    for key, personas in groups.items():
        for persona in personas:
            table[persona] = NAMED[key]
    return table


def post_expectations(world) -> dict:
    return {}

"""Techniques at a given stage, made through the real services by the personas who act at each."""

from chuancheng.test import declaration_for
from techniques.services import technique_advance


def published(world, **fields):
    """郭秀兰's declaration at 林干事's township, received, verified, accepted and published."""
    fields.setdefault("name", "盐湖药熨")
    technique = declaration_for(world.guo, world.township_centre.region, submit=True, **fields)
    for actor, to in (
        (world.lin, "received"),
        (world.sun, "verified"),
        (world.yang, "accepted"),
        (world.yang, "published"),
    ):
        technique_advance(technique=technique, actor=actor, to=to)
    technique.refresh_from_db()
    return technique

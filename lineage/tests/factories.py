"""People and links for the lineage tests, made through the services as staff would."""

from lineage import services
from lineage.models import Link, Source


def person(world, name, actor=None, **fields):
    return services.person_create(actor=actor or world.sun, name=name, **fields)


def book(world, actor=None, **fields):
    values = dict(kind=Source.Kind.BOOK, title="孟河四家医集", author="", publisher="东南大学出版社", date="2006")
    values.update(fields)
    return services.source_create(actor=actor or world.sun, **values)


def link(world, teacher, disciple, *, kind="in_person", verify=True, actor=None, source=None, **fields):
    actor = actor or world.sun
    source = source or book(world, actor)
    made = services.link_create(
        actor=actor,
        teacher=teacher,
        disciple=disciple,
        kind=kind,
        citation={"source": source, "quoted_text": f"{disciple.name}师事{teacher.name}", "certainty": 2},
        **fields,
    )
    if verify:
        services.link_move(made, to=Link.Status.SUBMITTED, actor=actor)
        services.link_move(made, to=Link.Status.VERIFIED, actor=world.yang)
        made.refresh_from_db()
    return made


def line(world, *names, **fields):
    """A chain of verified links: line(world, "A", "B", "C") → A teaches B teaches C."""
    people = [person(world, n) for n in names]
    for teacher, disciple in zip(people, people[1:], strict=False):
        link(world, teacher, disciple, **fields)
    return people

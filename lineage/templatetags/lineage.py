"""{% master_lineage master %}: a certified master's verified teachers and disciples, on their
public profile, when the master is linked to a person of the lineage (issue 15 §7)."""

from django import template

from lineage import selectors
from lineage.models import Person

register = template.Library()


@register.inclusion_tag("lineage/_master_lineage.html")
def master_lineage(master):
    person = Person.objects.filter(master=master).first()
    if person is None:
        return {"person": None}
    return {
        "person": person,
        "teachers": selectors.verified_links(person, as_teacher=False),
        "disciples": selectors.verified_links(person, as_teacher=True),
    }

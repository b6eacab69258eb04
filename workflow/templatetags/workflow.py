from django import template

from workflow.services import moves as moves_of

register = template.Library()


@register.inclusion_tag("workflow/_moves.html", takes_context=True)
def moves(context, obj, next_url: str = "", compact: bool = False):
    """{% moves obj %} (or {% moves obj compact=True %} in a table row): the buttons for the moves the signed-in person may make on obj now."""
    request = context["request"]
    return {
        "obj": obj,
        "moves": moves_of(obj, request.user),
        "label": f"{obj._meta.app_label}.{obj._meta.model_name}",
        "next": next_url or request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
        "compact": compact,
    }

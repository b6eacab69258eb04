from django import template

from workflow.services import moves as moves_of

register = template.Library()


@register.inclusion_tag("workflow/_moves.html", takes_context=True)
def moves(context, obj, next_url: str = "", compact: bool = False):
    """{% moves obj %} (or {% moves obj compact=True %} in a table row): the buttons for the moves the signed-in person may make on obj now."""
    request = context["request"]
    moves = moves_of(obj, request.user)
    form_moves = [m for m in moves if not m.page_url]
    return {
        "obj": obj,
        "moves": moves,
        "form_moves": form_moves,
        "page_moves": [m for m in moves if m.page_url],
        "needs_reason": [m.button for m in form_moves if m.reason_required],
        "label": f"{obj._meta.app_label}.{obj._meta.model_name}",
        "next": next_url or request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
        "compact": compact,
    }

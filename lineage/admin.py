from django.contrib import admin

from lineage.models import Citation, Link, Person, Source


class ReadOnly(admin.ModelAdmin):
    """Lineage records are entered and verified through the services (dates parsed, cycles refused,
    moves audited): the administration reads them, it does not write them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ReadOnly):
    list_display = ["name", "courtesy_name", "birth", "death", "living", "entered_org"]
    search_fields = ["name", "courtesy_name", "art_name"]
    list_select_related = ["entered_org"]


@admin.register(Source)
class SourceAdmin(ReadOnly):
    list_display = ["title", "kind", "author", "publisher", "date"]
    list_filter = ["kind"]
    search_fields = ["title", "author"]


@admin.register(Link)
class LinkAdmin(ReadOnly):
    list_display = ["teacher", "disciple", "kind", "certainty", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["teacher", "disciple"]


@admin.register(Citation)
class CitationAdmin(ReadOnly):
    list_display = ["link", "source", "certainty"]
    list_select_related = ["link__teacher", "link__disciple", "source"]

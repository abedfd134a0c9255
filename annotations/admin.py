from django.contrib import admin
from django.db.models import QuerySet
from taggit.models import Tag as TaggitTag

from annotations.glossary import recompute_mentions
from annotations.models import (
    AccessToken,
    Alias,
    Classroom,
    Document,
    GlossaryEntry,
    Highlight,
    Membership,
    Tag,
    TaggedHighlight,
)
from annotations.tokens import revoke_tokens


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "publication", "date_given", "revision", "updated"]
    search_fields = ["title", "author", "publication", "text"]
    prepopulated_fields = {"slug": ["title"]}
    # The text changes only through the loader until corrections re-anchor highlights.
    readonly_fields = ["text", "revision", "created", "updated"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ["name", "join_code", "created"]
    search_fields = ["name", "join_code"]
    inlines = [MembershipInline]


class TaggedHighlightInline(admin.TabularInline):
    model = TaggedHighlight
    extra = 0
    autocomplete_fields = ["tag"]


@admin.register(Highlight)
class HighlightAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "document", "visibility", "anchor_status", "created"]
    list_filter = ["document", "visibility", "anchor_status"]
    search_fields = ["exact", "note", "owner__username"]
    list_select_related = ["owner", "document"]
    raw_id_fields = ["owner"]
    # Position and quote must stay consistent with the text: they are set by anchoring.
    readonly_fields = [
        "document",
        "revision",
        "start",
        "end",
        "exact",
        "prefix",
        "suffix",
        "client_key",
        "created",
        "updated",
    ]
    exclude = ["tags"]
    inlines = [TaggedHighlightInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


# Highlights use annotations.Tag (unique in any case); taggit's own is unused.
admin.site.unregister(TaggitTag)


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


@admin.register(GlossaryEntry)
class GlossaryEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "wikidata", "updated"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__text", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AliasInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute_mentions()  # aliases may have changed: where the entry is named, too

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        recompute_mentions()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        recompute_mentions()


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    """Staff see the tokens, never their secrets (only the hash is kept), and revoke one
    an account has lost; only its owner makes one (/accounts/tokens/)."""

    list_display = ["name", "owner", "shown", "scope", "created", "expires", "last_used", "revoked"]
    list_filter = ["scope"]
    search_fields = ["name", "owner__username", "shown"]
    list_select_related = ["owner"]
    fields = ["owner", "name", "shown", "scope", "created", "expires", "last_used", "revoked"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, tokens: QuerySet) -> None:
        revoked = revoke_tokens(tokens)
        self.message_user(request, f"{revoked} revoked; they stop working at once.")

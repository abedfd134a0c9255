from django.contrib import admin

from annotations.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "publication", "date_given", "revision", "updated"]
    search_fields = ["title", "author", "publication", "text"]
    prepopulated_fields = {"slug": ["title"]}
    # The text changes only through the loader until corrections re-anchor highlights.
    readonly_fields = ["text", "revision", "created", "updated"]

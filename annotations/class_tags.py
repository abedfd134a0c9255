"""The tags a class's teacher tends: those on the class's work (Highlight.objects.of_class:
its students' highlights in its assignments), with how many highlights carry each, and
renaming one or merging two for this class alone.

Tags are shared across the site (taggit's Tag rows are global): other classes, and the
same students outside the class's assignments, use the same rows. So a rename re-tags the
class's highlights onto a tag with the new name (one in use already, or a new one) and
leaves everyone else's on the old tag; a merge re-tags them from one tag onto the other.
A highlight that had both ends with one; a tag nobody uses any more is deleted.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import Upper

from annotations.models import Highlight, Tag, TaggedHighlight


@dataclass(frozen=True)
class ClassTag:
    pk: int
    name: str
    uses: int  # highlights of the class carrying it


@dataclass(frozen=True)
class Retagged:
    """What a rename or merge did, in the words of its message."""

    old: str
    new: str
    highlights: int
    merged: bool  # onto a tag in use already
    kept_elsewhere: bool  # the old tag is still on highlights outside the class's work

    @property
    def message(self) -> str:
        done = f"{self.highlights} highlight{'s' if self.highlights != 1 else ''} of this class"
        if self.merged:
            said = f"“{self.old}” merged into “{self.new}” on {done}."
        else:
            said = f"“{self.old}” renamed “{self.new}” on {done}."
        if self.kept_elsewhere:
            said += f" Highlights outside the class's work keep “{self.old}”."
        return said


class RenameRefused(Exception):
    """A rename that cannot be made for this class alone; nothing was changed."""


def tags_in_class(classroom) -> list[ClassTag]:
    """The tags on the class's work, by name, each with its count, in one query."""
    rows = (
        TaggedHighlight.objects.filter(content_object__in=Highlight.objects.of_class(classroom))
        .values("tag_id", "tag__name")
        .annotate(uses=Count("id"))
        .order_by(Upper("tag__name"), "tag_id")
    )
    return [ClassTag(row["tag_id"], row["tag__name"], row["uses"]) for row in rows]


def tags_of_class(classroom):
    """The Tag rows on the class's work, as a query (for access and the merge's choices)."""
    tagged = TaggedHighlight.objects.filter(
        content_object__in=Highlight.objects.of_class(classroom)
    )
    return Tag.objects.filter(pk__in=tagged.values("tag"))


@transaction.atomic
def rename_tag(*, classroom, tag: Tag, name: str) -> Retagged:
    """Give the class's highlights tagged `tag` the tag named `name` instead (a name
    checked by TagRenameForm). A tag of that name in use already makes it a merge."""
    existing = Tag.objects.filter(name__iexact=name).first()
    if existing is not None and existing.pk == tag.pk:
        return _rename_in_place(classroom, tag, name)
    target = existing or _tag_named(name)
    return _retag(classroom, tag, target, merged=existing is not None)


@transaction.atomic
def merge_tags(*, classroom, tag: Tag, into: Tag) -> Retagged:
    """Give the class's highlights tagged `tag` the tag `into` instead."""
    if tag.pk == into.pk:
        raise ValueError("A tag cannot be merged into itself.")
    return _retag(classroom, tag, into, merged=True)


def _retag(classroom, source: Tag, target: Tag, *, merged: bool) -> Retagged:
    """Move the class's taggings from `source` to `target`, under row locks: first both
    tags (every save and edit locks the tags it uses FOR KEY SHARE first, in
    writes._tags_named: it waits for us, or we for it), then the class's highlights that
    carry `source` (an edit of one locks it as it saves: it finishes first). Taken in
    that order by all, so none deadlocks; the taggings are read once both are held."""
    list(Tag.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk"))
    work = Highlight.objects.of_class(classroom)
    carrying = work.filter(tagged_items__tag=source).values("pk")
    list(Highlight.objects.select_for_update().filter(pk__in=carrying).values_list("pk"))
    taggings = TaggedHighlight.objects.filter(content_object__in=work, tag=source)
    carrying_both = TaggedHighlight.objects.filter(tag=target).values("content_object")
    highlights = taggings.count()
    taggings.filter(content_object__in=carrying_both).delete()
    taggings.update(tag=target)
    kept_elsewhere = source.tagged_highlights.exists()
    if not kept_elsewhere:
        source.delete()
    return Retagged(source.name, target.name, highlights, merged, kept_elsewhere)


def _rename_in_place(classroom, tag: Tag, name: str) -> Retagged:
    """A change of case only ("cold war" to "Cold War"): a tag's name is one whatever
    its case, so the row itself is renamed, which only a tag used in the class's work
    alone may be."""
    list(Tag.objects.select_for_update().filter(pk=tag.pk))
    work = Highlight.objects.of_class(classroom)
    if tag.tagged_highlights.exclude(content_object__in=work).exists():
        raise RenameRefused(
            f"“{tag.name}” is also used outside this class's work, and a tag's name is "
            "the same whatever its case: changing only its case would change it there "
            "too. Choose a different name."
        )
    highlights = tag.tagged_highlights.count()
    old = tag.name
    tag.name = name
    tag.save(update_fields=["name"])
    return Retagged(old, name, highlights, merged=False, kept_elsewhere=False)


def _tag_named(name: str) -> Tag:
    """A new tag, as taggit makes one; the one another save made a moment ago if so."""
    try:
        with transaction.atomic():
            return Tag.objects.create(name=name)
    except IntegrityError:
        return Tag.objects.get(name__iexact=name)

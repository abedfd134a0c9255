"""Writes that touch several models, each in one transaction."""

import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from annotations.access import reply_classes
from annotations.accounts import split_name, temporary_password, unique_usernames
from annotations.anchoring import Anchor, AnchorError
from annotations.corrections import lock_revision
from annotations.glossary import recompute_mentions
from annotations.lti.grades import progress_changed
from annotations.models import (
    Account,
    Alias,
    Assignment,
    ClassHide,
    Classroom,
    Document,
    GlossaryEntry,
    Highlight,
    HighlightMark,
    LogInLock,
    Membership,
    Reply,
    Tag,
    TaggedHighlight,
    TeacherRequest,
    default_time_zone,
    new_join_code,
)
from annotations.notifications import forget_answer, notify_answer, save_notifying
from annotations.teachers import make_teacher
from annotations.throttles import LimitReached, count_new_tags


@transaction.atomic
def create_highlight(
    *,
    owner,
    document: Document,
    anchor: Anchor,
    note: str = "",
    tags: list[str] = (),
    visibility: str = Highlight.Visibility.PRIVATE,
    glossary_entries=(),
    assignment=None,
    client_key: uuid.UUID | None = None,
    is_question: bool = False,
    anchor_status: str = Highlight.AnchorStatus.ANCHORED,
    hidden: bool = False,
    capped: bool = True,
    times: tuple | None = None,
) -> tuple[Highlight, bool]:
    """Create a highlight, or return the one this client key created already.

    Returns (highlight, created). A browser retrying a request it never saw answered
    sends the same key, and gets the first highlight back instead of a duplicate. An
    import says how its highlight was placed (`anchor_status`) and whether a teacher
    had hidden it: then it is hidden in its assignment's class, or in every class its
    author is a student of (a file does not say which class); it is not `capped`. An
    import from another tool keeps the tool's `times` (created, updated), in the same
    transaction, where auto_now would write today's."""
    if client_key is not None and not capped:
        existing = Highlight.objects.filter(owner=owner, client_key=client_key).first()
        if existing is not None:
            return existing, False
    # Capped, the owner's saves wait for each other, counted one after another; the tags
    # named are locked first, in the same statement.
    revision, found = lock_revision(
        document, owner=owner if capped else None, also=_tags_named_sql(tags)
    )
    found = _tags_found(found)
    if capped:
        retried = _within_caps(owner, document, tags, found, client_key)
        if retried is not None:
            return Highlight.objects.get(pk=retried), False
    anchor, status = _on_current_text(document, revision, anchor, anchor_status)
    fields = {"note": note, "visibility": visibility, "assignment": assignment}
    fields |= {"is_question": is_question, "anchor_status": status}
    highlight = Highlight.placed(
        anchor, owner=owner, document=document, client_key=client_key or uuid.uuid4(), **fields
    )
    entries, retry = list(glossary_entries), client_key is not None and not capped
    inserted = _insert(highlight, tags, found, entries, hidden=hidden, retry=retry)
    if isinstance(inserted, Highlight):
        return inserted, False
    if times is not None:
        Highlight.objects.filter(pk=highlight.pk).update(created=times[0], updated=times[1])
        highlight.created, highlight.updated = times
    _as_written(highlight, tags=inserted, entries=entries)
    if getattr(assignment, "in_lms", True):  # known when the form found it (with_links)
        _progress_may_change(highlight.assignment_id, owner.pk)
    return highlight, True


def _insert(
    highlight: Highlight, names, found: dict, entries, *, hidden: bool, retry: bool
) -> list[Tag] | Highlight:
    """Insert the new highlight with its tags (`names`, those in use `found`) and glossary
    `entries` (hidden from its classes if `hidden`); the tags put on. With `retry`, a
    highlight the same client key made a moment ago, in a race with this one, is returned
    instead. Without (no key, or a capped save: the owner's lock (lock_revision) lets no
    save with the same key in before this one commits) a refusal is the caller's, and no
    savepoint to come back to is needed."""
    try:
        with transaction.atomic(savepoint=retry):
            tags = _tags_to_put_on(list(names), found)
            _insert_with_links(highlight, tags, entries)
            if hidden:
                _hide_everywhere(highlight)
    except IntegrityError:
        if not retry:
            raise
        # The same key won a race with us a moment ago, or another rule refused the row.
        existing = Highlight.objects.filter(
            owner=highlight.owner_id, client_key=highlight.client_key
        ).first()
        if existing is None:
            raise
        return existing
    return tags


def _as_written(highlight: Highlight, *, tags: list[Tag], entries: list[GlossaryEntry]) -> None:
    """A new highlight's tags and glossary entries, cached on it as if fetched: its card
    shows them next, and they are what was just written (`entries` in the order of the
    form's choices, by name; `tags` in the order they were put on, as taggit reads them)."""
    fetched = {}
    for name, model, rows in [("tags", Tag, tags), ("glossary_entries", GlossaryEntry, entries)]:
        fetched[name] = model.objects.all()
        fetched[name]._result_cache, fetched[name]._prefetch_done = list(rows), True
    highlight._prefetched_objects_cache = fetched
    highlight.tag_list = list(tags)  # as My highlights caches them (reading._mine)


def _progress_may_change(assignment_id: int | None, owner_id: int) -> None:
    """Once the write is committed, the owner's score in the assignment for the LMS
    (annotations/lti/grades.py); a failure there is logged, never the write's."""
    if assignment_id is not None:

        def score_for_the_lms() -> None:
            progress_changed(assignment_id=assignment_id, student_id=owner_id)

        transaction.on_commit(score_for_the_lms, robust=True)


def _within_caps(owner, document: Document, tags, found: dict, client_key=None) -> int | None:
    """Raise LimitReached, before anything is saved, past HIGHLIGHTS_PER_ARTICLE or
    NEW_TAGS_PER_DAY. The owner's row is locked first (lock_revision, with the document's
    revision) so that saves sent at once are counted one after another, and a save retried
    with its `client_key` finds the first once it is committed: its id is returned then,
    and nothing is counted. The count is a statement of its own after the lock: begun
    after the wait, it sees what the save waited for. An import (manage.py, an
    administrator's) is not capped: restoring a backup brings back all that was there."""
    made, retried = _count_on_article(owner, document, client_key)
    if retried is not None:
        return retried
    cap = settings.HIGHLIGHTS_PER_ARTICLE
    if made >= cap:
        raise LimitReached(
            f"You have {cap} highlights on “{document.title}”, the most one account may "
            "have on one article.",
            "Delete some you no longer need to make room.",
        )
    count_new_tags(owner, len(_new_tag_names(tags, found)))
    return None


def _count_on_article(owner, document: Document, client_key) -> tuple[int, int | None]:
    """How many highlights `owner` has on `document`, and the id of the one `client_key`
    made (None: none, or no key), in one statement. Written out: the ORM took nearly three
    times as long to build it as PostgreSQL to run it, on every save."""
    meta = Highlight._meta
    table, pk, owner_id = meta.db_table, meta.pk.column, meta.get_field("owner").column
    document_id, key = meta.get_field("document").column, meta.get_field("client_key").column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FILTER (WHERE {document_id} = %s),"
            f" MAX({pk}) FILTER (WHERE {key} = %s) FROM {table}"
            f" WHERE {owner_id} = %s AND ({document_id} = %s OR {key} = %s)",
            [document.pk, client_key, owner.pk, document.pk, client_key],
        )
        return cursor.fetchone()


def _tags_named(names) -> dict:
    """The tags that have these names (in any case, as iexact compares), by casefolded
    name, in one query, locked FOR KEY SHARE until the write commits. A class's rename or
    merge (annotations/class_tags.py) locks the tags it moves FOR UPDATE: it waits for
    this write, or this write for it, and then does not find a tag it deleted (and makes
    it anew). Writes by others share the lock; the taggings' keys are checked only at
    commit, so without it a merge could delete a tag a save had just put on a highlight."""
    if not names:
        return {}
    expression, params = _tags_named_sql(names)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}", params)
        return _tags_found(cursor.fetchone()[0])


def _tags_named_sql(names) -> tuple[str, list]:
    """_tags_named's query as an SQL expression (its tags as JSON, [id, name, slug]) and
    its parameters: alone, or in a statement that takes other locks after these
    (create_highlight's lock_revision)."""
    if not names:
        return "NULL", []
    sql = (
        "(SELECT json_agg(json_build_array(tag.id, tag.name, tag.slug)) FROM"
        f" (SELECT id, name, slug FROM {Tag._meta.db_table} WHERE UPPER(name::text) = ANY("
        "ARRAY(SELECT UPPER(named) FROM unnest(%s::text[]) named)) FOR KEY SHARE) tag)"
    )
    return sql, [list(names)]


def _tags_found(rows) -> dict:
    """The tags _tags_named_sql found, by casefolded name, as _tags_named gives them."""
    tags = [Tag.from_db(connection.alias, ["id", "name", "slug"], row) for row in rows or ()]
    return {tag.name.casefold(): tag for tag in tags}


def _new_tag_names(names, found: dict | None = None) -> set[str]:
    """The names among `names` that no tag has yet (in any case): `found` by _tags_named."""
    in_use = _tags_named(names) if found is None else found
    return {name.casefold() for name in names} - in_use.keys()


def _on_current_text(
    document: Document, revision: int, anchor: Anchor, status: str
) -> tuple[Anchor, str]:
    """Where the selection is in the text as it is now (`revision`, locked by
    lock_revision), and how it was placed.

    If the text was corrected after the selection was made, it is placed again by its
    quote, and if its words are gone the highlight is kept orphaned rather than lost.
    """
    if revision == document.revision:
        return anchor, status
    document.refresh_from_db()
    try:
        placed = document.place(exact=anchor.exact, prefix=anchor.prefix, suffix=anchor.suffix)
    except AnchorError:
        return anchor, Highlight.AnchorStatus.ORPHANED
    return placed, Highlight.AnchorStatus.REANCHORED


def _tags_to_put_on(names: list[str], found: dict) -> list[Tag]:
    """The tags named, as `found` (_tags_named) has them, and any not in use yet made as
    taggit makes them; in the order they are put on, each once."""
    by_key = dict(found)
    tags = []
    for name in names:
        tag = by_key.get(name.casefold())
        if tag is None:  # new, or a letter Python and PostgreSQL case differently
            tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
            by_key[name.casefold()] = tag
        if tag not in tags:
            tags.append(tag)
    return tags


def _insert_with_links(highlight: Highlight, tags: list[Tag], entries) -> None:
    """A new highlight's row, taggings and glossary links, in one statement, where
    Model.save() and taggit's set() took two and five more and three a tag: it has no
    links yet, so there is nothing to read first or to conflict with. Its columns and
    values are Django's own (each field's pre_save and database value, as save() takes
    them); the id and the generated search vector come back onto it."""
    meta = Highlight._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    fields = [field for field in fields if not field.generated]
    values = [
        field.get_db_prep_save(field.pre_save(highlight, True), connection) for field in fields
    ]
    links, taggings = Highlight.glossary_entries.through._meta, TaggedHighlight._meta
    vector = meta.get_field("search_vector").column
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)  # "end"
    sql = (
        f"WITH new AS (INSERT INTO {meta.db_table} ({columns})"
        f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {meta.pk.column}, {vector}),"
        f" linked AS (INSERT INTO {links.db_table}"
        f" ({links.get_field('highlight').column}, {links.get_field('glossaryentry').column})"
        " SELECT new.id, unnest(%s::bigint[]) FROM new),"
        f" tagged AS (INSERT INTO {taggings.db_table}"
        f" ({taggings.get_field('content_object').column}, {taggings.get_field('tag').column})"
        " SELECT new.id, unnest(%s::bigint[]) FROM new)"
        " SELECT * FROM new"
    )
    params = [*values, [entry.pk for entry in entries], [tag.pk for tag in tags]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        highlight.pk, highlight.search_vector = cursor.fetchone()
    highlight._state.adding, highlight._state.db = False, connection.alias


@transaction.atomic
def update_highlight(
    *,
    highlight: Highlight,
    note: str,
    tags: list[str],
    visibility: str,
    glossary_entries=(),
    is_question: bool = False,
) -> None:
    """What its author changed; no longer a question, it loses its "Same question" marks."""
    count_new_tags(highlight.owner, len(_new_tag_names(tags)))
    highlight.note = note
    highlight.visibility = visibility
    highlight.is_question = is_question
    highlight.save(update_fields=["note", "visibility", "is_question", "updated"])
    if not is_question:
        highlight.marks.filter(kind=HighlightMark.Kind.SAME_QUESTION).delete()
    highlight.tags.set(list(tags))
    highlight.glossary_entries.set(glossary_entries)
    _progress_may_change(highlight.assignment_id, highlight.owner_id)


@transaction.atomic
def move_highlight(*, highlight: Highlight, assignment: Assignment) -> None:
    """Count a highlight made outside any assignment for `assignment`; its note, tags and
    who may see it stay as they are (the assignment's teacher now sees it too)."""
    highlight.assignment = assignment
    highlight.save(update_fields=["assignment", "updated"])
    _progress_may_change(assignment.pk, highlight.owner_id)


@transaction.atomic
def delete_highlight(*, highlight: Highlight) -> None:
    _progress_may_change(highlight.assignment_id, highlight.owner_id)
    highlight.delete()


@transaction.atomic
def save_entry(
    *, entry: GlossaryEntry, aliases: list[str], short_forms: list[str]
) -> GlossaryEntry:
    """Save a glossary entry with exactly these aliases and short forms, then find it again."""
    entry.save()
    set_aliases({entry.pk: wanted_aliases(aliases, short_forms)})
    recompute_mentions()
    return entry


def wanted_aliases(aliases, short_forms) -> set[tuple[str, bool]]:
    """(text, is short form) pairs, as `set_aliases` takes them."""
    return {(text, False) for text in aliases} | {(text, True) for text in short_forms}


def set_aliases(wanted: dict[int, set[tuple[str, bool]]]) -> None:
    """Give each entry (by id) exactly its wanted (text, is short form) aliases.

    Every stale alias goes before any new one is made, so that an alias may move between
    entries, or turn into a short form, without being there twice for a moment.
    """
    have = defaultdict(dict)
    for pk, entry_id, text, is_short in Alias.objects.filter(entry_id__in=wanted).values_list(
        "pk", "entry_id", "text", "is_short"
    ):
        have[entry_id][text, is_short] = pk
    stale = [
        pk
        for entry_id, rows in have.items()
        for key, pk in rows.items()
        if key not in wanted[entry_id]
    ]
    Alias.objects.filter(pk__in=stale).delete()
    Alias.objects.bulk_create(
        Alias(entry_id=entry_id, text=text, is_short=is_short)
        for entry_id, keys in wanted.items()
        for text, is_short in keys - have[entry_id].keys()
    )


@transaction.atomic
def merge_entries(*, survivor: GlossaryEntry, absorbed: GlossaryEntry) -> GlossaryEntry:
    """Fold `absorbed` into `survivor`, then delete it; nothing linked to it is lost.

    Its aliases, other names and highlight links move to the survivor, and facts the
    survivor lacks (Wikidata id, dates, coordinates) are taken from it. Its summary goes.
    """
    if survivor.pk == absorbed.pk:
        raise ValueError("An entry cannot be merged into itself.")
    # Locked, so that a highlight linked to `absorbed` meanwhile waits rather than vanishes.
    list(GlossaryEntry.objects.select_for_update().filter(pk__in=[survivor.pk, absorbed.pk]))
    survivor.refresh_from_db()
    absorbed.refresh_from_db()

    kept = {alias.text: alias for alias in survivor.aliases.all()}
    absorbed.aliases.exclude(text__in=list(kept)).update(entry=survivor)
    for alias in absorbed.aliases.all():  # the texts the survivor has already
        alias.delete()
        if not alias.is_short and kept[alias.text].is_short:
            # It named the absorbed entry alone, so now it names the survivor alone.
            kept[alias.text].is_short = False
            kept[alias.text].save(update_fields=["is_short"])

    known = {survivor.name, *survivor.other_names}
    known.update(survivor.aliases.values_list("text", flat=True))
    for name in [absorbed.name, *absorbed.other_names]:
        if name not in known:
            survivor.other_names.append(name)
            known.add(name)
    for field in ("wikidata", "born", "died"):
        if not getattr(survivor, field):
            setattr(survivor, field, getattr(absorbed, field))
    if survivor.latitude is None and survivor.longitude is None:
        survivor.latitude, survivor.longitude = absorbed.latitude, absorbed.longitude
    survivor.save()

    links = Highlight.glossary_entries.through.objects
    linked_already = links.filter(glossaryentry=survivor).values("highlight_id")
    links.filter(glossaryentry=absorbed).exclude(highlight_id__in=linked_already).update(
        glossaryentry=survivor
    )
    absorbed.delete()  # with its mentions, and the links the survivor had already
    recompute_mentions()
    return survivor


@transaction.atomic
def create_assignment(
    *, classroom: Classroom, documents, required_entries=(), **fields
) -> Assignment:
    """A new assignment with its articles and required entries, all or nothing."""
    assignment = Assignment.objects.create(classroom=classroom, **fields)
    assignment.documents.set(documents)
    assignment.required_entries.set(required_entries)
    return assignment


@transaction.atomic
def create_classroom(*, name: str, teacher) -> Classroom:
    """A new class, with the person who made it as its teacher, in the teacher's zone."""
    account = Account.objects.filter(user=teacher).first()
    time_zone = account.time_zone if account and account.time_zone else default_time_zone()
    for _ in range(5):  # a fresh join code collides with an existing one very rarely
        try:
            with transaction.atomic():
                classroom = Classroom.objects.create(name=name, time_zone=time_zone)
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("Could not find a free join code.")
    Membership.objects.create(classroom=classroom, user=teacher, role=Membership.Role.TEACHER)
    return classroom


@transaction.atomic
def join_classroom(*, classroom: Classroom, student) -> bool:
    """Join the class as a student; False if already a member."""
    _, joined = Membership.objects.get_or_create(
        classroom=classroom, user=student, defaults={"role": Membership.Role.STUDENT}
    )
    return joined


def _hide_everywhere(highlight: Highlight) -> None:
    if highlight.assignment_id:
        classes = [highlight.assignment.classroom_id]
    else:
        students = Membership.objects.filter(user=highlight.owner, role=Membership.Role.STUDENT)
        classes = students.values_list("classroom", flat=True)
    ClassHide.objects.bulk_create(
        [ClassHide(highlight=highlight, classroom_id=classroom) for classroom in classes]
    )


@transaction.atomic
def set_hidden(*, highlight: Highlight, classrooms: list[int], hidden: bool, by) -> None:
    """Hide the highlight in `classrooms` (access.moderation_classes), or show it there
    again; the hides of other classes are theirs, and stay."""
    if not hidden:
        ClassHide.objects.filter(highlight=highlight, classroom__in=classrooms).delete()
        return
    ClassHide.objects.bulk_create(
        [ClassHide(highlight=highlight, classroom_id=pk, hidden_by=by) for pk in classrooms],
        ignore_conflicts=True,
    )


@transaction.atomic
def hide_all_in_class(*, classroom: Classroom, student, by) -> int:
    """Hide every highlight the student shares in the class, in one INSERT ... SELECT
    (a flood of thousands is one statement); returns how many were newly hidden."""
    chosen = Highlight.objects.owned_by(student).shared_in_class(classroom).order_by()
    select, params = chosen.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ClassHide._meta.db_table} "
            "(highlight_id, classroom_id, hidden_by_id, created) "
            f"SELECT id, %s, %s, now() FROM {Highlight._meta.db_table} WHERE id IN ({select}) "
            "ON CONFLICT DO NOTHING",
            [classroom.pk, by.pk, *params],
        )
        return cursor.rowcount


@transaction.atomic
def show_all_in_class(*, classroom: Classroom, student) -> int:
    """Undo every hide of the student's highlights in the class; returns how many."""
    hides = ClassHide.objects.filter(classroom=classroom, highlight__owner=student)
    return hides.delete()[0]


def add_reply(
    *,
    highlight: Highlight,
    author,
    text: str,
    classroom: int | None,
    parent: Reply | None = None,
    notify: bool = True,
    client_key: uuid.UUID | None = None,
) -> Reply:
    """A reply made in `classroom` (access.reply_classes), or an answer to `parent`: every
    reply goes through here. An answer joins its thread's first reply (one level of
    nesting) and the class the thread is in. Those it answers are notified in the same
    statement (notifications.save_notifying), unless not to `notify` (an import brings
    back old replies: nobody is to hear of them as new). `client_key`: the key a tool
    gave it (the Web Annotation Protocol's `canonical` urn:uuid:), a new one otherwise."""
    answering = parent
    if parent is not None:
        if parent.parent_id is not None:
            parent = parent.parent
        classroom = parent.classroom_id
    reply = Reply(
        highlight=highlight, author=author, text=text, classroom_id=classroom, parent=parent
    )
    if client_key is not None:
        reply.client_key = client_key
    if notify:
        save_notifying(reply, answering)
    else:
        reply.save()
    return reply


def add_imported_reply(
    *, highlight: Highlight, author, text: str, parent: Reply | None, client_key, created, edited
) -> Reply:
    """A reply an import brings back: in the first open class its author shares with the
    highlight's author (access.reply_classes), nobody notified (it is not new), with the
    file's key and times (`created` None: now)."""
    classes = reply_classes(author, [highlight])[highlight.pk]
    reply = add_reply(
        highlight=highlight,
        author=author,
        text=text,
        classroom=classes[0] if classes else None,
        parent=parent,
        notify=False,
    )
    times = {"created": created, "edited": edited} if created is not None else {}
    Reply.objects.filter(pk=reply.pk).update(client_key=client_key, **times)
    return reply


@transaction.atomic
def set_mark(*, highlight: Highlight, person, kind: str, pressed: bool) -> None:
    """`person`'s "Same question" or "Helpful" on the highlight, pressed or not: saying
    the same twice (a retried request) leaves one mark, or none."""
    marks = HighlightMark.objects.filter(highlight=highlight, person=person, kind=kind)
    if not pressed:
        marks.delete()
        return
    HighlightMark.objects.bulk_create(
        [HighlightMark(highlight=highlight, person=person, kind=kind)], ignore_conflicts=True
    )


@transaction.atomic
def set_answer(*, reply: Reply, by, is_answer: bool) -> None:
    """A teacher (`by`) marks the reply as the answer to its highlight's question, or
    takes the mark back. One answer a question: marking another moves it there. The
    highlight's row is locked, so two teachers marking at once end with one answer."""
    Highlight.objects.select_for_update().filter(pk=reply.highlight_id).exists()
    if is_answer:
        others = Reply.objects.filter(highlight=reply.highlight_id, is_answer=True)
        others.exclude(pk=reply.pk).update(is_answer=False)
    reply.is_answer = is_answer
    reply.save(update_fields=["is_answer"])
    # The question's author hears of the answer; taken back, it is a reply again.
    if is_answer:
        notify_answer(reply)
    else:
        forget_answer(reply)


@transaction.atomic
def edit_reply(*, reply: Reply, text: str) -> Reply:
    if text != reply.text:
        reply.text, reply.edited = text, timezone.now()
        reply.save(update_fields=["text", "edited"])
    return reply


@transaction.atomic
def delete_reply(*, reply: Reply) -> None:
    """Gone, unless answers hang on it: then emptied, and kept above them as "Reply
    deleted", so that nobody's answers vanish with it (what Hypothesis does with a deleted
    reply that has replies, "Message not available", hypothesis/client#2865). The last
    answer's deletion takes such an emptied first reply with it (hypothesis/h#373)."""
    if reply.answers.exists():
        reply.text, reply.deleted = "", timezone.now()
        reply.save(update_fields=["text", "deleted"])
        return
    parent_id = reply.parent_id
    reply.delete()
    if parent_id is not None:
        Reply.objects.filter(pk=parent_id, deleted__isnull=False, answers__isnull=True).delete()


@transaction.atomic
def sign_up(*, form, classroom: Classroom):
    """A new student's account from the sign-up form, in the class whose code they used."""
    user = form.save()
    Account.objects.create(user=user)
    Membership.objects.create(classroom=classroom, user=user, role=Membership.Role.STUDENT)
    return user


def add_students(*, classroom: Classroom, lines) -> list[tuple[object, str]]:
    """Accounts for a teacher's roster, each with a one-time password; all or none.

    Returns (user, temporary password) pairs: the passwords exist in clear only in this
    answer, for the login cards. Hashing is most of the time (a deliberately slow hash,
    about a third of a second each), so it runs on every core before the transaction.
    """
    usernames = unique_usernames([line.name for line in lines])
    passwords = [temporary_password() for _ in lines]
    with ThreadPoolExecutor() as pool:  # PBKDF2 in hashlib lets go of the GIL
        hashes = list(pool.map(make_password, passwords))
    with transaction.atomic():
        users = []
        for line, username, hashed in zip(lines, usernames, hashes, strict=True):
            first, last = split_name(line.name)
            user = get_user_model().objects.create(
                username=username,
                first_name=first,
                last_name=last,
                email=line.email,
                password=hashed,
            )
            Account.objects.create(user=user, must_change_password=True, student_id=line.student_id)
            Membership.objects.create(classroom=classroom, user=user, role=Membership.Role.STUDENT)
            users.append(user)
    return list(zip(users, passwords, strict=True))


@transaction.atomic
def reset_student_password(*, student) -> str:
    """A new one-time password for a student, returned once: the student must change it."""
    password = temporary_password()
    student.set_password(password)
    student.save(update_fields=["password"])
    Account.objects.update_or_create(user=student, defaults={"must_change_password": True})
    lift_log_in_lock(username=student.username)
    return password


@transaction.atomic
def lift_log_in_lock(*, username: str) -> None:
    """The name may log in again, everywhere (annotations/log_in_locks.py) and at every
    address (django-axes' failures of the name go too)."""
    LogInLock.objects.filter(username=username).delete()
    AccessAttempt.objects.filter(username=username).delete()


@transaction.atomic
def set_own_password(*, form) -> None:
    """The password a person chose for themselves: no change is asked of them any more."""
    user = form.save()
    Account.objects.update_or_create(user=user, defaults={"must_change_password": False})


@transaction.atomic
def remove_student(*, classroom: Classroom, student) -> None:
    """Out of the class; their highlights stay theirs (visible_to drops them from the
    class's views)."""
    Membership.objects.filter(
        classroom=classroom, user=student, role=Membership.Role.STUDENT
    ).delete()


@transaction.atomic
def rotate_join_code(*, classroom: Classroom) -> str:
    """A new code: the old one lets nobody in any more."""
    for _ in range(5):
        try:
            with transaction.atomic():
                classroom.join_code = new_join_code()
                classroom.save(update_fields=["join_code"])
            return classroom.join_code
        except IntegrityError:
            continue
    raise RuntimeError("Could not find a free join code.")


@transaction.atomic
def archive_classroom(*, classroom: Classroom, archived: bool = True) -> None:
    classroom.archived = timezone.now() if archived else None
    classroom.save(update_fields=["archived"])


@transaction.atomic
def update_assignment(*, assignment: Assignment, documents, required_entries=(), **fields):
    for name, value in fields.items():
        setattr(assignment, name, value)
    assignment.save()
    assignment.documents.set(documents)
    assignment.required_entries.set(required_entries)
    return assignment


@transaction.atomic
def delete_assignment(*, assignment: Assignment) -> None:
    """The assignment goes; its students' highlights stay theirs, outside any assignment."""
    assignment.delete()


@transaction.atomic
def end_teaching(*, user) -> int:
    """Someone who is no longer a teacher no longer teaches any class."""
    deleted, _ = Membership.objects.filter(user=user, role=Membership.Role.TEACHER).delete()
    return deleted


@transaction.atomic
def decide_teacher_request(*, teacher_request: TeacherRequest, granted: bool, staff) -> None:
    teacher_request.decision = (
        TeacherRequest.Decision.GRANTED if granted else TeacherRequest.Decision.DECLINED
    )
    teacher_request.decided_by = staff
    teacher_request.decided = timezone.now()
    teacher_request.save(update_fields=["decision", "decided_by", "decided"])
    if granted:
        make_teacher(teacher_request.user)


@transaction.atomic
def delete_account(*, user) -> dict[str, int]:
    """The person and everything that is theirs: highlights (with their tags, links and
    replies), replies, memberships, requests. Returns what went, by kind."""
    _, deleted = user.delete()
    return deleted


@transaction.atomic
def set_time_zone(*, user, time_zone: str) -> Account:
    """The zone a person's times are shown in (an IANA name, already checked)."""
    account, _ = Account.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
    return account

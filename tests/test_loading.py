import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from annotations.loading import FixtureError, load_documents
from annotations.models import Document

FIXTURES = settings.BASE_DIR / "fixtures"
SEEDS = settings.BASE_DIR.parent / "shared" / "seeds"


def snapshot():
    return list(Document.objects.order_by("slug").values())


def test_it_loads_the_three_documents(db):
    report = load_documents()

    assert sorted(report.created) == sorted(Document.objects.values_list("slug", flat=True))
    assert Document.objects.count() == 3


def test_it_is_idempotent(db):
    load_documents()
    before = snapshot()

    report = load_documents()

    assert report.created == [] and report.updated == []
    assert len(report.unchanged) == 3
    assert snapshot() == before


def test_it_stores_the_text_verbatim(db):
    load_documents()

    for entry in json.loads((FIXTURES / "documents.json").read_text()):
        raw = (FIXTURES / entry["file"]).read_text(encoding="utf-8")
        assert Document.objects.get(slug=entry["slug"]).text == raw.replace("\r\n", "\n")


@pytest.mark.skipif(not SEEDS.exists(), reason="../shared/seeds is not beside this checkout")
def test_the_fixture_files_are_the_seed_files_unchanged():
    entries = json.loads((FIXTURES / "documents.json").read_text())
    fixture_bytes = sorted((FIXTURES / entry["file"]).read_bytes() for entry in entries)
    seed_bytes = sorted(path.read_bytes() for path in SEEDS.glob("*.txt"))
    assert fixture_bytes == seed_bytes


def copy_fixtures(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "documents", tmp_path / "documents")
    shutil.copy(FIXTURES / "documents.json", tmp_path / "documents.json")
    return tmp_path / "documents.json"


def test_a_corrected_text_becomes_a_new_revision(db, tmp_path):
    path = copy_fixtures(tmp_path)
    load_documents(path)
    text_file = tmp_path / "documents" / "stalins-hot-war.txt"
    text_file.write_text(text_file.read_text().replace("a powerful sting", "a powerful bite"))

    report = load_documents(path)

    assert report.updated == ["stalins-hot-war"]
    document = Document.objects.get(slug="stalins-hot-war")
    assert document.revision == 2
    assert "a powerful bite" in document.text


def test_it_normalises_windows_line_endings(db, tmp_path):
    path = copy_fixtures(tmp_path)
    text_file = tmp_path / "documents" / "stalin-and-korean-war.txt"
    text_file.write_bytes(text_file.read_bytes().replace(b"\n", b"\r\n"))

    load_documents(path)

    assert "\r" not in Document.objects.get(slug="stalin-and-korean-war").text


def test_it_refuses_a_role_for_a_paragraph_that_does_not_exist(db, tmp_path):
    path = copy_fixtures(tmp_path)
    entries = json.loads(path.read_text())
    entries[0]["paragraph_roles"]["No such paragraph"] = "heading"
    path.write_text(json.dumps(entries))

    with pytest.raises(FixtureError, match="No such paragraph"):
        load_documents(path)
    assert Document.objects.count() == 0


def test_the_command_reports_what_it_did(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_documents", stdout=out)
    call_command("load_documents", stdout=out)

    assert out.getvalue().splitlines() == [
        "Documents: 3 created, 0 updated, 0 unchanged.",
        "Documents: 0 created, 0 updated, 3 unchanged.",
    ]

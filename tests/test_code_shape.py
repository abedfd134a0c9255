"""The shape every view keeps (docs/CONTRIBUTING.md), checked on the source itself.

Views fetch objects through annotations/access.py, share page building through domain
modules rather than one another, and stay short enough to read at a glance.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
VIEWS = sorted((ROOT / "annotations" / "views").glob("*.py"))
MODULES = sorted(
    path
    for folder in ("annotations", "korea_reader")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts and "views" not in path.parts
)
VIEW_LINES, FUNCTION_LINES = 40, 60


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno] + [decorator.lineno for decorator in node.decorator_list])
            yield node.name, node.end_lineno - first + 1


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("path", VIEWS, ids=lambda path: path.name)
def test_it_keeps_views_from_importing_other_views(path):
    views = {name for name in _imported_modules(path) if name.startswith("annotations.views.")}
    assert not views, f"{path.name} imports {views}: move what they share to a domain module"


@pytest.mark.parametrize("path", VIEWS, ids=lambda path: path.name)
def test_it_keeps_view_functions_short(path):
    long = [(name, lines) for name, lines in _functions(path) if lines > VIEW_LINES]
    assert not long, f"{path.name}: longer than {VIEW_LINES} lines: {long}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_it_keeps_functions_short(path):
    long = [(name, lines) for name, lines in _functions(path) if lines > FUNCTION_LINES]
    assert not long, f"{path.relative_to(ROOT)}: longer than {FUNCTION_LINES} lines: {long}"


@pytest.mark.parametrize("path", VIEWS, ids=lambda path: path.name)
def test_it_fetches_objects_through_the_access_helpers(path):
    assert "get_object_or_404" not in path.read_text(), (
        f"{path.name}: fetch objects through annotations/access.py (404 and 403 there)"
    )

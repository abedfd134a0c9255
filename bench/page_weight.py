"""Page weight of the reading view, against the Hypothesis client.

    make bench-weight             (or: .venv/bin/python bench/page_weight.py)

Renders the reading view for a logged-in student (the heaviest case: the highlighter is
loaded only for readers with an account), collects every script and stylesheet the page
links to, and measures each file as served compressed (gzip level 9, as WhiteNoise's
collectstatic writes it). Fonts are listed apart: already-compressed woff2.

For comparison, the Hypothesis client as published on npm (`npm pack hypothesis@VERSION`,
cached in .data/bench/): the files its boot script loads into a page (boot.js, the
annotator bundle, annotator.css, highlights.css) and into its sidebar (the sidebar bundle,
sidebar.css, katex.min.css), which a reader needs before annotating anything.
BENCH_HYPOTHESIS_VERSION picks another version (default: the one measured in
docs/PERFORMANCE.md).
"""

import gzip
import os
import re
import subprocess
import sys
import tarfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_weight")

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402

from annotations.loading import load_documents  # noqa: E402
from bench.measure import logged_in, markdown_table  # noqa: E402

HYPOTHESIS_VERSION = os.environ.get("BENCH_HYPOTHESIS_VERSION", "1.1766.0")
HYPOTHESIS_FILES = [
    # Loaded into the annotated page by boot.js.
    "build/boot.js",
    "build/scripts/annotator.bundle.js",
    "build/styles/annotator.css",
    "build/styles/highlights.css",
    # Loaded into the sidebar, where every annotation is read and written.
    "build/scripts/sidebar.bundle.js",
    "build/styles/sidebar.css",
    "build/styles/katex.min.css",
]
CACHE = ROOT / ".data" / "bench"
SLUG = "stalins-hot-war"


def weigh(data: bytes) -> tuple[int, int]:
    return len(data), len(gzip.compress(data, compresslevel=9, mtime=0))


def our_assets() -> list[tuple[str, bytes]]:
    load_documents()
    user, _ = get_user_model().objects.get_or_create(username="bench-weight-reader")
    response = logged_in(user).get(f"/documents/{SLUG}/")
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    urls = re.findall(r'<script[^>]* src="([^"]+)"', html)
    urls += re.findall(r'<link[^>]* rel="stylesheet"[^>]* href="([^"]+)"', html)
    assets = []
    for url in urls:
        path = finders.find(url.removeprefix("/static/"))
        assert path, f"no static file for {url}"
        assets.append((url.removeprefix("/static/"), Path(path).read_bytes()))
    return assets


def our_fonts(assets) -> list[tuple[str, bytes]]:
    fonts = []
    for name, data in assets:
        if name.endswith(".css"):
            for url in re.findall(r"url\(['\"]?([^'\")]+\.woff2)", data.decode()):
                path = (Path(finders.find(name)).parent / url).resolve()
                fonts.append((path.name, path.read_bytes()))
    return fonts


def hypothesis_assets() -> list[tuple[str, bytes]]:
    """The published package, fetched once with npm from the registry."""
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = CACHE / f"hypothesis-{HYPOTHESIS_VERSION}.tgz"
    if not archive.exists():
        subprocess.run(
            ["npm", "pack", f"hypothesis@{HYPOTHESIS_VERSION}", "--silent"],
            cwd=CACHE,
            check=True,
            capture_output=True,
            timeout=300,
        )
    with tarfile.open(archive) as tar:
        return [(name, tar.extractfile(f"package/{name}").read()) for name in HYPOTHESIS_FILES]


def table(title: str, rows: list[tuple[str, bytes]]) -> tuple[int, int]:
    print(f"\n{title}\n")
    total_raw = total_gzip = 0
    table = []
    for name, data in rows:
        raw, packed = weigh(data)
        total_raw += raw
        total_gzip += packed
        table.append([f"`{name}`", f"{raw:,}", f"{packed:,}"])
    table.append(["**all**", f"{total_raw:,}", f"**{total_gzip:,}**"])
    print(markdown_table(["file", "bytes", "gzip -9"], table))
    return total_raw, total_gzip


def main() -> None:
    print(f"Page weight of the reading view, {date.today().isoformat()}")
    ours = our_assets()
    _, our_total = table("Korea Reader's reading view: JavaScript and CSS", ours)
    fonts = our_fonts(ours)
    font_bytes = sum(len(data) for _, data in fonts)
    print(f"\nFonts (woff2, not counted): {len(fonts)} files, {font_bytes:,} bytes.")
    _, their_total = table(
        f"The Hypothesis client {HYPOTHESIS_VERSION} (npm): JavaScript and CSS", hypothesis_assets()
    )
    print(
        f"\nOurs {our_total / 1000:.1f} kB against the goal of 60 kB "
        f"({'met' if our_total < 60_000 else 'MISSED'}); Hypothesis {their_total / 1000:.1f} kB, "
        f"{their_total / our_total:.1f} times ours."
    )


if __name__ == "__main__":
    main()

"""Reading text back out of rendered HTML, the way a reader sees it."""

import re
from html.parser import HTMLParser


class _TextInClass(HTMLParser):
    """Collects the text inside the first element carrying a given class."""

    def __init__(self, css_class: str):
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            if tag == "br":
                self.parts.append("\n")
            elif tag not in {"br", "img", "input", "hr", "wbr"}:
                self.depth += 1
        elif self.css_class in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag != "br":
            self.depth -= 1
            if tag in {"p", "h2", "h3", "div", "li"}:
                self.parts.append("\n")

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_in_class(html: str, css_class: str) -> str:
    parser = _TextInClass(css_class)
    parser.feed(html)
    return "".join(parser.parts)


def normalise_whitespace(text: str) -> str:
    # NBSP counts as whitespace here: the comparison is of words, not of spacing.
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()

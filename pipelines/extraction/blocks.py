"""Walk a body element in document order: headings and paragraphs one per line, tables row by row."""

from __future__ import annotations

from .tables import is_layout_table, join_pieces, table_lines, table_rows

BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section",
    "article", "blockquote", "center", "pre", "tr", "td", "th", "header", "footer", "form", "hr",
    "figure", "figcaption", "address", "main", "aside", "nav", "tbody", "thead", "caption",
}
SKIP_TAGS = {"script", "style", "noscript", "canvas", "select", "button", "iframe", "object", "embed",
             "svg", "input", "textarea", "template", "head", "title", "meta", "link"}


class BodyReader:
    def __init__(self):
        self.lines: list[str] = []
        self.tables: list[dict] = []
        self._current: list[str] = []

    def flush(self) -> None:
        text = join_pieces(["".join(self._current).replace("\xa0", " ").replace("\u3000", " ")])
        self._current.clear()
        if text:
            self.lines.append(text)

    def walk(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in SKIP_TAGS or (tag == "" and el.tag is not None and not isinstance(el.tag, str)):
            return
        if tag == "table" and not is_layout_table(el):
            self.flush()
            rows = table_rows(el)
            if rows:
                self.lines.extend(table_lines(rows))
                self.tables.append({"rows": rows})
            return
        if tag == "br":
            self.flush()
            return
        block = tag in BLOCK_TAGS
        if block:
            self.flush()
        if el.text:
            self._current.append(el.text)
        for child in el:
            if isinstance(child.tag, str):
                self.walk(child)
            if child.tail:
                self._current.append(child.tail)
        if block:
            self.flush()


def read_blocks(element) -> tuple[list[str], list[dict]]:
    """(lines, tables) of an element's content."""
    reader = BodyReader()
    reader.walk(element)
    reader.flush()
    return reader.lines, reader.tables

"""A report page whose body only points to its file: "详见附件" and a link to the 全真版 PDF.

Judged by what the page reader itself reads of the page (`read_page`: body, less chrome, with
the page's metadata block when the reader took it in): too little text to be a report, no
statistics, and one report file linked. Such a page's document takes its text from that file
(`pipelines.extract.file_to_document`).
"""

from __future__ import annotations

import re

from .metadata import form_version
from .page import read_page

# a report, even a township's, runs to thousands of characters (the national form's tables alone
# are over a thousand); a pointer page's text is a line or two and the page's metadata block
POINTER_TEXT = 600
REPORT_FILE_TYPES = frozenset({"pdf", "doc", "docx", "wps", "ofd"})


def only_points_to_its_file(html: str, url: str = "") -> bool:
    page = read_page(html, url)
    files = [a for a in page.attachments if a["type"] in REPORT_FILE_TYPES]
    if len(files) != 1 or form_version(page.text):
        return False
    return len(re.sub(r"\s+", "", page.text)) <= POINTER_TEXT

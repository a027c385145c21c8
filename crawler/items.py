"""The small typed items through which crawling, reading and keeping meet.

Spiders yield `ReportPage`, `ReportFile`, `Attachment` and `CrawlFailure`; the extraction pipeline turns a
`ReportPage` into a `Document`; the archive only ever adds a `WarcRef` to say where the raw
exchange is stored. Nothing else crosses those boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# request meta: the `ReportPage` a file's request carries when the page's body only points to that
# file; the page becomes a document only with the file's text, or as it is if the file never comes
HELD_PAGE_KEY = "report_page"


@dataclass
class WarcRef:
    """Where the raw HTTP exchange behind an item is stored."""

    filename: str
    offset: int
    record_id: str
    captured_at: str  # the WARC-Date of the response record (ISO 8601, UTC)
    payload_digest: str = ""  # sha256 of the body as the server sent it (WARC-Payload-Digest)


@dataclass
class ReportPage:
    """A detail page found in a report column: the candidate for one document."""

    url: str  # as fetched
    canonical_url: str  # identity of the document (`_wap`, query and `www.` removed)
    portal: str  # Portal.name, e.g. "合川区"
    portal_code: str | None  # administrative division code of the portal
    html: str  # decoded by Scrapy's encoding rules (header, BOM, meta, detection)
    listed_title: str = ""  # the link text that led here, if any
    column_url: str = ""  # the list page that linked to it
    attachment_urls: list[str] = field(default_factory=list)
    unit: str = ""  # the department or township sub-site it was found under; "" for the portal itself
    capture: WarcRef | None = None


@dataclass
class ReportFile:
    """A report published as a file (PDF, DOC, DOCX, WPS, OFD): linked from a report column as a
    report, or the file a report page points to. The candidate for one document of kind `file`."""

    url: str
    canonical_url: str
    portal: str
    portal_code: str | None
    body: bytes
    content_type: str  # as the server declared it; the reader judges by the bytes
    listed_title: str = ""  # the link text that led here
    column_url: str = ""  # the list page that linked to it
    parent_url: str = ""  # the report page it belongs to, if any
    unit: str = ""
    capture: WarcRef | None = None
    # the page whose body only points to this file: the document is that page's, with this file's text
    page: ReportPage | None = None


@dataclass
class Attachment:
    """A file attached to a report page (PDF, DOC, XLS …)."""

    url: str
    canonical_url: str
    parent_url: str
    portal: str
    name: str
    content_type: str
    size: int
    sha256: str
    capture: WarcRef | None = None


@dataclass
class CrawlFailure:
    """A request that did not give a usable response, kept so nothing is lost silently."""

    url: str
    portal: str
    reason: str  # short and stable, e.g. "dns", "connection refused", "http 404"
    action: str  # what was done about it, e.g. "gave up after retries"
    kind: str = ""  # what the request was for: home, navigation, list, report, attachment


@dataclass
class Document:
    """One annual report as it goes into the corpus (a line of `documents.jsonl`)."""

    doc_id: str
    url: str
    canonical_url: str
    portal: str
    portal_code: str | None
    title: str
    issuer: str
    region: str
    admin_level: str
    report_year: int | None
    publish_date: str | None
    form: str | None
    text: str
    tables: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    captured_at: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None
    payload_digest: str | None = None
    extractor_version: str = ""
    kind: str = "page"  # page, or file (a report published as a PDF, DOC, DOCX, WPS … file)
    unit: str = ""  # the department or township sub-site; "" for the portal itself
    ocr: bool = False  # a file whose text (some pages of it) was read by OCR
    ocr_confidence: float | None = None  # then: the mean confidence of its words, 0–1

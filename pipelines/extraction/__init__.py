"""How to read a page: body, chrome filter, tables, metadata. No Scrapy here."""

# Bump when a change to the reader changes its output: re-extraction is byte-identical only
# between runs of the same version.
EXTRACTOR_VERSION = "0.3.0"

from .classify import is_annual_report  # noqa: E402
from .page import ExtractedPage, read_page  # noqa: E402

__all__ = ["EXTRACTOR_VERSION", "ExtractedPage", "is_annual_report", "read_page"]

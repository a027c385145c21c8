"""How to read a page: body, chrome filter, tables, metadata. No Scrapy here."""

from .classify import is_annual_report
from .page import ExtractedPage, read_page

__all__ = ["ExtractedPage", "is_annual_report", "read_page"]

"""A report page whose body only points to its file ("详见附件"): one document, the file's text.

One crawl of 合川区, whose 合川工业园区管委会 2020 page says only 详见附件 and links its PDF (the
hostile portal's page whose PDF answers 404 is checked in test_hostile), and re-extraction of it;
then the re-extraction's and the pipeline's rules on archived exchanges made here.
"""

from __future__ import annotations

import asyncio
import inspect
from datetime import datetime, timezone
from importlib import resources

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.reextract import report_pages
from archive.warc import WarcWriter
from conftest import CrawlResult, run_nianbao
from crawler.items import Document, ReportFile, ReportPage
from crawler.urls import canonical_url
from pipelines.extract import ExtractionPipeline
from pipelines.extraction.files import read_file
from test_revisits import REPORT

DISTRICT = "合川区"


@pytest.fixture(scope="module")
def hechuan(tmp_path_factory):
    store = tmp_path_factory.mktemp("pointer")
    proc = run_nianbao("crawl", "chongqing_districts", "--offline", "--store", str(store), "-a", f"districts={DISTRICT}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return CrawlResult(store, proc)


def pointer_doc(replica):
    (doc,) = [d for p, d in replica.docs if p.name == DISTRICT and d.pointer]
    return doc


def test_a_page_pointing_to_its_pdf_is_one_document_with_the_pdfs_text(hechuan, replica):
    doc = pointer_doc(replica)
    page_url = f"http://{doc.host}{doc.path}"
    (pdf_name,) = doc.files()
    pdf_url = f"http://{doc.host}{doc.dir}{doc.date[:6]}/{pdf_name}"
    documents = {d["canonical_url"]: d for d in hechuan.documents}
    assert canonical_url(pdf_url) not in documents  # not a second document
    got = documents[canonical_url(page_url)]
    pdf = resources.files("replica.data").joinpath("files", pdf_name).read_bytes()
    assert got["kind"] == "file" and got["text"] == read_file(pdf).text and got["form"] == "2019"
    # the page's metadata block names the report
    assert (got["title"], got["issuer"], got["publish_date"], got["report_year"]) == \
           (doc.title, doc.issuer, doc.publish_date, doc.year)
    assert [a["url"] for a in got["attachments"]] == [pdf_url]
    # the document is the page's: its capture is the page's response, the file is its attachment
    with open(hechuan.root / "warc" / got["warc_file"], "rb") as stream:
        stream.seek(got["warc_offset"])
        assert next(iter(ArchiveIterator(stream))).rec_headers.get_header("WARC-Target-URI") == got["url"] == page_url
    (attachment,) = [a for a in hechuan.jsonl("corpus/attachments.jsonl") if a["url"] == pdf_url]
    assert attachment["parent_url"] == page_url


def test_reextraction_rebuilds_it_byte_identically(hechuan, tmp_path):
    proc = run_nianbao("reextract", str(hechuan.root), "--store", str(tmp_path), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (new,) = (tmp_path / "snapshots").iterdir()
    assert (new / "corpus" / "documents.jsonl").read_bytes() == (hechuan.root / "corpus" / "documents.jsonl").read_bytes()


# -- the rules, on exchanges archived here ---------------------------------------------------------

PAGE = "http://www.example.gov.cn/t20250117_1.html"
PDF = "http://www.example.gov.cn/W020250117000001.pdf"
POINTER = ("<html><head><meta charset='utf-8'><title>某区2024年政府信息公开工作年度报告</title></head><body>"
           f"<p>详见附件：<a href='{PDF}'>某区2024年政府信息公开工作年度报告.pdf</a></p></body></html>").encode("utf-8")


def archive_pointer(directory, file_status: int, file_body: bytes) -> None:
    writer = WarcWriter(directory, warcinfo={"isPartOf": "test"})
    for url, status, body, kind, extra in ((PAGE, 200, POINTER, "report", {}),
                                           (PDF, file_status, file_body, "attachment", {"report-page": PAGE})):
        writer.write_exchange(
            url=url, request_method="GET", request_path_and_query="/" + url.rsplit("/", 1)[-1],
            request_headers=[("Host", "www.example.gov.cn")], request_body=b"", status=status, reason="",
            protocol="HTTP/1.1", response_headers=[("Content-Type", "text/html" if kind == "report" else "application/pdf")],
            payload=body, ip_address="127.0.0.1", warc_date=datetime.now(timezone.utc),
            metadata={"portal": "测试区", "kind": kind, **extra})
    writer.close()


def test_reextraction_holds_the_page_until_its_file(tmp_path):
    archive_pointer(tmp_path, 200, b"%PDF-1.7 ...")
    (item,) = report_pages(tmp_path)
    assert isinstance(item, ReportFile) and item.url == PDF and item.page.url == PAGE
    assert item.page.capture.record_id != item.capture.record_id


def test_a_page_whose_file_failed_is_read_as_it_is(tmp_path):
    archive_pointer(tmp_path, 404, b"<html>not found</html>")
    (item,) = report_pages(tmp_path)
    assert isinstance(item, ReportPage) and item.url == PAGE


@pytest.mark.parametrize("body", ["<html>文件不存在</html>".encode("utf-8"), b"%PDF-1.7\n%broken"],
                         ids=["an error page", "a broken PDF"])
def test_a_page_whose_file_is_no_readable_report_file_is_its_own_document(body):
    page = ReportPage(url=PAGE, canonical_url=canonical_url(PAGE), portal="测试区", portal_code=None,
                      html=REPORT.decode("utf-8"))
    served = ReportFile(url=PDF, canonical_url=canonical_url(PDF), portal="测试区", portal_code=None,
                        body=body, content_type="application/pdf", page=page)
    document = ExtractionPipeline().process_item(served)
    if inspect.iscoroutine(document):  # a file (the broken PDF) is read on the pipeline's thread for files
        document = asyncio.run(document)
    assert isinstance(document, Document) and document.kind == "page" and document.url == PAGE

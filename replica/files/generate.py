"""Writes the report files of the offline portal and of the file tests, the way real ones are made.

Each report (a seed in its own name, or a replica unit's report: the seed's text with the unit and
year put in, as `replica.reports.render_body` does for pages) is typed into a word processor:
LibreOffice Writer opens its HTML, the page is set up as a government office sets it (A4, 2.5 cm
margins, the issuer in the header, `- N -` page numbers in the footer, the document's date in its
properties), and Writer saves it as DOCX, as DOC (Word 97; a `.wps` is the same OLE2 format that
WPS Office writes) and exports PDF (its CJK fonts, Debian's Noto CJK, embedded as subsets, as Word
and WPS export them). One PDF is then printed and scanned: every page rendered to a grey image at
200 dpi, skewed 1.2°, speckled, thresholded to black and white as an office scanner does, and
wrapped as an image-only PDF with no text layer.

    python -m replica.files.generate            # rewrites replica/data/files/
    python -m replica.files.generate STEM…      # only these (e.g. a report just made file-only)

Needs LibreOffice (`make install` puts Debian's libreoffice-writer-nogui and fonts-noto-cjk).
Outputs are committed (see replica/data/files/PROVENANCE.md); the run is deterministic except for
the IDs LibreOffice writes into each file.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from html import escape
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "files"
SEEDS = ("seed_000", "seed_001", "seed_002", "seed_003", "seed_004")
SCANNED = "seed_003"  # the report printed and scanned (shortest: six pages)


def soffice(args: list[str], workdir: Path) -> None:
    if not args[-1].endswith((".html", ".docx")):  # nothing to convert: soffice would wait for ever
        return
    profile = workdir / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", *args],
                   cwd=workdir, check=True, capture_output=True, timeout=600)


def report_html(report: dict, title: str, issuer: str | None, year: int | None) -> str:
    """The report as the unit typed it: its title first (the seed's own heading lines replaced)."""
    from replica.reports import render_body

    report = dict(report, blocks=[b for b in report["blocks"] if not (b["section"] == "preamble" and b["kind"] == "heading")])
    heading = (f'<p style="text-align:center"><strong><span style="font-family:方正小标宋_GBK;font-size:29px">'
               f"{escape(title)}</span></strong></p>")
    return (f'<html><head><meta charset="utf-8"><title>{escape(title)}</title></head><body>'
            f"{heading}{render_body(report, issuer=issuer, year=year)}</body></html>")


def page_setup(docx: Path, title: str, issuer: str, date: str) -> None:
    """A4, margins, header and page-number footer, and the document's properties."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Cm

    document = Document(str(docx))
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.header_distance = section.footer_distance = Cm(1.5)
        section.header.is_linked_to_previous = False
        header = section.header.paragraphs[0]
        header.text = issuer + "政府信息公开"
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("- ")
        footer._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
        footer.add_run(" -")
    moment = datetime.strptime(date, "%Y-%m-%d").replace(hour=9, minute=30)
    props = document.core_properties
    props.title, props.author, props.created, props.modified = title, issuer, moment, moment
    props.last_modified_by = issuer
    document.save(str(docx))


PDF_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(D:(\d{14})")


def date_pdf(pdf: Path, date: str) -> None:
    """Writer stamps the export time; a real 全真版 carries the day it was made. Same length, so
    the cross-reference offsets stay right."""
    stamp = date.replace("-", "").encode() + b"093000"
    pdf.write_bytes(PDF_DATE.sub(lambda m: b"/" + m.group(1) + b"(D:" + stamp, pdf.read_bytes()))


def scan(pdf: Path, out: Path, date: str, seed: int = 7) -> None:
    """Print and scan: 200 dpi grey, 1.2° skew, speckle, black and white, image-only PDF."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    pages = []
    document = pdfium.PdfDocument(str(pdf))
    for page in document:
        image = page.render(scale=200 / 72, grayscale=True).to_pil().convert("L")
        image = image.rotate(-1.2 + 0.3 * rng.random(), resample=Image.BICUBIC, expand=True, fillcolor=255)
        noise = Image.effect_noise(image.size, 40)
        image = Image.blend(image, noise, 0.18).filter(ImageFilter.GaussianBlur(0.6))
        image = image.point(lambda v: 255 if v > 165 else 0).convert("1")
        pages.append(image)
    document.close()
    moment = datetime.strptime(date, "%Y-%m-%d").replace(hour=9, minute=30)
    pages[0].save(out, save_all=True, append_images=pages[1:], resolution=200.0, creationDate=moment.timetuple(), modDate=moment.timetuple())


def jobs() -> list[dict]:
    """Every file to write: the seeds in their own names, then the replica's file reports."""
    from replica.platforms import build_platforms
    from replica.reports import load_report
    from replica.site import build_replica

    found = []
    for name in SEEDS:
        report = load_report(name)
        date = re.sub(r"\D+", "-", (report.get("signed") or {}).get("date", "") or "").strip("-")
        if not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", date):
            date = f"{report['report_year'] + 1}-01-20"
        date = "-".join(f"{int(p):02d}" for p in date.split("-"))
        formats = ["docx", "doc", "pdf"] + (["wps"] if name == "seed_002" else []) + (["scan.pdf"] if name == SCANNED else [])
        found.append({"stem": name, "report": name, "issuer": None, "year": None, "title": report["title"],
                      "publisher": report["issuer"], "date": date, "formats": formats})
    for _, doc in build_replica().docs:
        for filename in doc.files() + [path.rsplit("/", 1)[-1] for path in doc.extra_files]:
            stem, ext = filename.rsplit(".", 1)
            found.append({"stem": stem, "report": doc.file_seed or doc.seed, "issuer": doc.issuer, "year": doc.year, "title": doc.title,
                          "publisher": doc.issuer, "date": doc.publish_date, "formats": [ext]})
    for built in build_platforms():  # the other platforms' reports published only as files
        for doc in built.docs:
            if doc.is_file and doc.year is not None:
                stem, ext = doc.path.rsplit("/", 1)[-1].rsplit(".", 1)
                found.append({"stem": stem, "report": doc.seed, "issuer": doc.issuer, "year": doc.year, "title": doc.title,
                              "publisher": doc.issuer, "date": doc.publish_date, "formats": [ext]})
    return found


def generate(out: Path = OUT, only: set[str] | None = None) -> list[Path]:
    from replica.reports import load_report

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="nianbao-files-") as tmp:
        work = Path(tmp)
        todo = [job for job in jobs() if not only or job["stem"] in only]
        for job in todo:
            html = report_html(load_report(job["report"]), job["title"], job["issuer"], job["year"])
            (work / f"{job['stem']}.html").write_text(html, encoding="utf-8")
        soffice(["--infilter=HTML (StarWriter)", "--convert-to", "docx:MS Word 2007 XML",
                 *[f"{j['stem']}.html" for j in todo]], work)
        for job in todo:
            page_setup(work / f"{job['stem']}.docx", job["title"], job["publisher"], job["date"])
        soffice(["--convert-to", "doc:MS Word 97", *[f"{j['stem']}.docx" for j in todo
                                                     if {"doc", "wps"} & set(j["formats"])]], work)
        soffice(["--convert-to", "pdf:writer_pdf_Export", *[f"{j['stem']}.docx" for j in todo
                                                            if {"pdf", "scan.pdf"} & set(j["formats"])]], work)
        for job in todo:
            stem = job["stem"]
            for fmt in job["formats"]:
                target = out / f"{stem}.{fmt}"
                if fmt == "scan.pdf":
                    scan(work / f"{stem}.pdf", target, job["date"])
                elif fmt == "wps":
                    shutil.copyfile(work / f"{stem}.doc", target)
                else:
                    shutil.copyfile(work / f"{stem}.{fmt}", target)
                    if fmt == "pdf":
                        date_pdf(target, job["date"])
                written.append(target)
    return written


if __name__ == "__main__":
    for path in generate(OUT, set(sys.argv[1:])):
        print(f"{path.stat().st_size:>9} {path.name}")

"""What reading report files costs: PDF pages per second for text, tables and OCR, each against a
well-known alternative run on the same files in the same run, and the peak memory on a 100-page
report. The files are the generated ones of replica/data/files/ (replica/files/generate.py).

    .venv/bin/python bench/files.py
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FILES = ROOT / "replica" / "data" / "files"
SEEDS = [FILES / f"seed_00{n}.pdf" for n in range(5)]


def pages_per_second(run, files, pages: int) -> float:
    start = time.perf_counter()
    for path in files:
        run(path.read_bytes())
    return pages / (time.perf_counter() - start)


def ours_text(body: bytes):
    from pipelines.extraction.files import read_file

    return read_file(body).text


def ours_tables(body: bytes):
    from pipelines.extraction.files import read_file
    from pipelines.statistics import parse_document

    read = read_file(body)
    return parse_document({"tables": read.tables, "text": read.text})


def pdfminer_text(body: bytes):
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(body))


def pdfminer_tables(body: bytes):
    """The alternative for tables: pdfminer.six's text, read by the same statistics parser."""
    from pipelines.statistics import parse_text

    return parse_text(pdfminer_text(body))


def hundred_pages() -> bytes:
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    while len(out) < 100:
        for path in SEEDS:
            source = pdfium.PdfDocument(path.read_bytes())
            out.import_pages(source, list(range(min(len(source), 100 - len(out)))))
            if len(out) >= 100:
                break
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def peak_memory_mb(body: bytes) -> float:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(body)
        tmp.flush()
        code = ("import resource,sys; from pipelines.extraction.files import read_file; "
                f"read_file(open({tmp.name!r},'rb').read()); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def main() -> int:
    import pypdfium2 as pdfium

    pages = sum(len(pdfium.PdfDocument(p.read_bytes())) for p in SEEDS)
    for warm_up in (ours_tables, pdfminer_text):  # imports and first-call costs out of the figures
        warm_up(SEEDS[0].read_bytes())
    rows = []
    for what, ours, other, name in (("text", ours_text, pdfminer_text, "pdfminer.six extract_text"),
                                    ("tables", ours_tables, pdfminer_tables, "pdfminer.six text + our parser")):
        a = pages_per_second(ours, SEEDS, pages)
        b = pages_per_second(other, SEEDS, pages)
        rows.append((what, a, name, b))
    if shutil.which("tesseract"):
        from pipelines.extraction.files.ocr import DPI, LANG

        scan = FILES / "seed_003.scan.pdf"
        document = pdfium.PdfDocument(scan.read_bytes())
        sample = [0, 2]  # two pages: OCR is slow
        one = pdfium.PdfDocument.new()
        one.import_pages(document, sample)
        buffer = io.BytesIO()
        one.save(buffer)
        a = pages_per_second(ours_text, [_Bytes(buffer.getvalue())], len(sample))

        def plain_tesseract(body: bytes):
            for page in pdfium.PdfDocument(body):
                with tempfile.TemporaryDirectory() as tmp:
                    image = Path(tmp) / "p.png"
                    page.render(scale=DPI / 72, grayscale=True).to_pil().save(image)
                    subprocess.run(["tesseract", str(image), "stdout", "-l", LANG], capture_output=True, check=True)

        b = pages_per_second(plain_tesseract, [_Bytes(buffer.getvalue())], len(sample))
        rows.append(("ocr", a, "tesseract on the rendered page, no deskew or rules", b))
    print(f"{'what':<7} {'ours p/s':>9} {'alt p/s':>9} {'ratio':>6}  alternative")
    for what, a, name, b in rows:
        print(f"{what:<7} {a:>9.2f} {b:>9.2f} {a / b:>6.2f}  {name}")
    print(f"peak memory reading a 100-page PDF: {peak_memory_mb(hundred_pages()):.0f} MB (whole process)")
    return 0


class _Bytes:
    def __init__(self, body: bytes):
        self.body = body

    def read_bytes(self) -> bytes:
        return self.body


if __name__ == "__main__":
    raise SystemExit(main())
